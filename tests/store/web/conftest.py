"""Fixtures of the web page's tests: the store app on a SQLite file (`store_app`), served by
uvicorn in a thread on 127.0.0.1 behind a canary scanner (`web_store`), and a Chromium page
on it (`page`; the `browser` itself is in tests/conftest.py); in-process, the scanned app
(`app`) and a TestClient signed in as admin (`admin`). Helpers: tests.support.web.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.people import add_people
from tests.support.servers import free_port
from tests.support.web import EXPECTED_STATUS_LOG, CanaryScanner, PageWatch, StoreApp, WebStore
from tests.support.web_client import sign_in


@pytest.fixture
def store_app(tmp_path: Path) -> Iterator[StoreApp]:
    from gwctl.store.app import create_app

    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    app = create_app(database_url, key_file=tmp_path / "store.key")
    store = app.state.store
    try:
        admin = store.create_token("alice", "admin", actor="browser-tests")
        reader = store.create_token("auditor", "read", actor="browser-tests")
        add_people(store, admin, reader)
        yield StoreApp(app, database_url, admin, reader)
    finally:
        store.close()  # the app's lifespan closes it too, when a client ran it


@pytest.fixture
def web_store(store_app: StoreApp) -> Iterator[WebStore]:
    """`store_app` served by uvicorn; fails the test if a canary left the server."""
    import uvicorn

    scanner = CanaryScanner(store_app.app)
    port = free_port()
    config = uvicorn.Config(
        scanner, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the store server did not start")
        time.sleep(0.02)
    try:
        yield WebStore(
            f"http://127.0.0.1:{port}",
            store_app.admin_token,
            store_app.read_token,
            scanner,
            store_app.store,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert scanner.leaks == [], f"credential values left the server: {scanner.leaks}"


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Any, web_store: WebStore, watch: PageWatch) -> Iterator[Any]:
    context = browser.new_context(
        base_url=web_store.base_url, viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_console(message: Any) -> None:
        # A page answered 4xx on purpose (403 refusal, 422 form errors) is logged as an error
        # by Chromium; everything else (a CSP violation, a script error) is a failure.
        if message.type == "error" and not EXPECTED_STATUS_LOG.search(message.text):
            watch.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.console_errors == [], f"console errors: {watch.console_errors}"


# -- in-process (Starlette TestClient) ------------------------------------------------------


@pytest.fixture
def store(store_app: StoreApp) -> Any:
    """The app's own GatewayStore."""
    return store_app.store


@pytest.fixture
def app(store_app: StoreApp) -> Iterator[Any]:
    """The store app, every response of which is scanned for the canary credential values."""
    scanner = CanaryScanner(store_app.app)
    yield scanner
    assert scanner.leaks == [], f"credential values left the server: {scanner.leaks}"


@pytest.fixture
def admin(app: Any, store_app: StoreApp) -> Iterator[Any]:
    """A TestClient signed in as the admin user."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        sign_in(client, store_app.admin_token)
        yield client
