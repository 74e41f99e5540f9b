"""Fixtures of the browser tests: a real uvicorn server on 127.0.0.1 running the store app on a
SQLite file, and headless Chromium (the Debian package at /usr/bin/chromium) via Playwright.

Every byte the server sends is scanned for the canary credential values: a test fails if one
ever leaves the server (in any page, redirect or asset), not only if it is visible.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("GWCTL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Credential values planted by the tests: none may ever appear in a response.
CANARIES = (
    "CANARYapikey7d1f3e9a55",
    "CANARYsecret0b8c2d4e66",
    "fedcba9876543210fedcba98765c0ffe",
)
EXPECTED_STATUS_LOG = re.compile(r"^Failed to load resource: .* status of 4(01|03|04|09|22)\b")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


class CanaryScanner:
    """ASGI wrapper recording every response (headers and body) that carries a canary."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.leaks: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def scanning_send(message: Any) -> None:
            chunks: list[bytes] = []
            if message["type"] == "http.response.start":
                chunks = [name + b": " + value for name, value in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks = [message.get("body", b"")]
            for chunk in chunks:
                for canary in CANARIES:
                    if canary.encode() in chunk:
                        self.leaks.append(f"{scope['method']} {path}: {canary}")
            await send(message)

        await self.app(scope, receive, scanning_send)


@dataclass
class StoreApp:
    """The store app as `gwctl store serve` builds it (REST API and web page) on a SQLite file
    in the test's directory, with an admin token (alice) and a read token (auditor)."""

    app: Any  # FastAPI
    database_url: str
    admin_token: str
    read_token: str

    @property
    def store(self) -> Any:
        """The app's own GatewayStore, to seed accounts and check what the pages wrote."""
        return self.app.state.store


@dataclass
class LiveStore:
    base_url: str
    admin_token: str
    read_token: str
    scanner: CanaryScanner
    store: Any  # the app's GatewayStore, to seed accounts the way gwctl apply would

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def store_app(tmp_path: Path) -> Iterator[StoreApp]:
    from gwctl.store.app import create_app

    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    app = create_app(database_url, key_file=tmp_path / "store.key")
    store = app.state.store
    try:
        admin = store.create_token("alice", "admin", actor="browser-tests")
        reader = store.create_token("auditor", "read", actor="browser-tests")
        yield StoreApp(app, database_url, admin, reader)
    finally:
        store.close()  # the app's lifespan closes it too, when a client ran it


@pytest.fixture
def live_store(store_app: StoreApp) -> Iterator[LiveStore]:
    import uvicorn

    scanner = CanaryScanner(store_app.app)
    port = _free_port()
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
        yield LiveStore(
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """What a page did that a test must notice: dialogs (an XSS would open one), console errors
    (a CSP violation is one)."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Any, live_store: LiveStore, watch: PageWatch) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_store.base_url, viewport={"width": 1440, "height": 900}
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
