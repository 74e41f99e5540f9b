"""The access log of a served store: one line per HTTP request, written when it ends.

An ASGI middleware (uvicorn's own access log is off) that logs to `gwctl.access` the method,
the path without its query string, the status, the time taken in milliseconds and the client
address. The address is the one uvicorn puts in the request's scope: behind a trusted proxy
the original client's (X-Forwarded-For), else the peer's. Characters that could forge a log
line (newlines, other control and format characters in a decoded path) are escaped.
"""

from __future__ import annotations

import logging
import time
import unicodedata

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gwctl.store.logs import ACCESS_LOGGER

log = logging.getLogger(ACCESS_LOGGER)


def printable(text: str) -> str:
    """`text` with control, format and separator characters (other than space) as `\\xNN`
    / `\\uNNNN` escapes: one request is always one log line, and reads as it was sent."""
    return "".join(
        char
        if char == " " or unicodedata.category(char)[0] not in "CZ"
        else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


class AccessLog:
    """Log every HTTP request when its response ends (or fails)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before it responds

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _log(scope: Scope, status: int, duration_ms: float) -> None:
        client = scope.get("client")
        address = client[0] if client else "-"
        method, path = scope["method"], printable(scope["path"])
        log.info(
            '%s "%s %s" %d %.1f ms',
            address,
            method,
            path,
            status,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 1),
                "client": address,
            },
        )
