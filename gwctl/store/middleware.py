"""ASGI middleware of the store app: request body limits and headers on every response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gwctl.core.api_prefix import API_PREFIX
from gwctl.core.logos import MAX_LOGO_BYTES as LOGO_MAX_BYTES
from gwctl.store.errors import PayloadTooLarge, error_response

DEFAULT_BODY_LIMIT = 1024 * 1024
CHANGESET_BODY_LIMIT = 64 * 1024 * 1024
# The web page refuses forms over 1 MiB itself, with an HTML page; this outer bound only
# stops bodies no form could need (and streamed bodies without a Content-Length).
WEB_BODY_LIMIT = 4 * 1024 * 1024


class BodyLimit:
    """Refuse request bodies over the limit of their path with 413 payload_too_large."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def limit_for(path: str) -> int:
        if path == f"{API_PREFIX}/changesets":
            return CHANGESET_BODY_LIMIT
        if path.startswith(f"{API_PREFIX}/gateways/") and path.endswith("/logo"):
            return LOGO_MAX_BYTES
        return DEFAULT_BODY_LIMIT if path.startswith(API_PREFIX) else WEB_BODY_LIMIT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:  # the server holds the body to its declared length
            if not declared.isdigit() or int(declared) > limit:
                await error_response(_too_large(limit))(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        buffered = await self._read_body(receive, limit)
        if buffered is None:
            await error_response(_too_large(limit))(scope, receive, send)
            return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> list[Message] | None:
        """A streamed body's messages, or None once it exceeds `limit` bytes."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > limit:
                return None
            if not message.get("more_body", False):
                return messages


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body exceeds {limit} bytes")


# HSTS without includeSubDomains: the store usually lives on one host of a domain whose other
# hosts it does not run, and must not force HTTPS onto them.
HSTS = b"max-age=31536000"


class ApiHeaders:
    """`nosniff` on every response; API answers are never cached by shared caches; a response
    served over https (TLS, or a trusted proxy's X-Forwarded-Proto) carries HSTS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = scope["path"].startswith(API_PREFIX)
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if is_api and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if is_https and b"strict-transport-security" not in names:
                    headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
