"""The embedded default store: the store app in-process on a SQLite file under .gwctl/.

gwctl talks to it through the same httpx client and REST API as to a remote store: a
synchronous httpx transport that runs the ASGI app on an event loop in a helper thread.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from gwctl.config.settings import EMBEDDED_DIR
from gwctl.core.heap import settle
from gwctl.core.private_dir import make_private_dir

TOKEN_FILE = "embedded-token"  # noqa: S105 - a file name, not a token
BASE_URL = "http://embedded.gwctl"


class _ASGIBridge(httpx.BaseTransport):
    """Sends each request to an ASGI app through a blocking portal and reads the body."""

    def __init__(self, app: Any, portal: BlockingPortal) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            body = await request.aread()
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._transport.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return self._portal.call(send)


def store_paths(root: Path) -> tuple[str, Path, Path]:
    """Database URL, key file and token file of the embedded store of a config root."""
    directory = root / EMBEDDED_DIR
    return (
        f"sqlite:///{directory / 'store.sqlite3'}",
        directory / "store.key",
        directory / TOKEN_FILE,
    )


@contextlib.contextmanager
def embedded_http(root: Path, timeout: float = 30.0) -> Iterator[httpx.Client]:
    """An httpx.Client bound to the embedded store of `root`, created on first use.

    The embedded store needs a token like any other; one admin token is created with the
    database and kept in .gwctl/embedded-token (0600, never in git: .gwctl/ is ignored).
    """
    from gwctl.store.app import create_app  # heavy: only when the embedded store is used

    database_url, key_file, token_file = store_paths(root)
    make_private_dir(token_file.parent)
    if not (root / EMBEDDED_DIR / "store.sqlite3").exists():
        token_file.unlink(missing_ok=True)  # its token lived in the database that is gone
    # gwctl uses the API only, and nobody scrapes a store that lives for one command
    app = create_app(database_url, key_file=key_file, web=False, metrics=False)
    settle()  # the store's modules and app live as long as the command
    token = _embedded_token(database_url, key_file, token_file)
    with (
        start_blocking_portal() as portal,
        httpx.Client(
            transport=_ASGIBridge(app, portal),
            base_url=BASE_URL,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):
        yield client


def _embedded_token(database_url: str, key_file: Path, token_file: Path) -> str:
    if token_file.is_file():
        return token_file.read_text(encoding="utf-8").strip()
    from gwctl.store.server import create_admin_token

    token = create_admin_token(database_url, "embedded", key_file=key_file)  # the app's keys
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token
