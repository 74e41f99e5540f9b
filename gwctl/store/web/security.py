"""CSRF tokens, session cookies and the security headers of every web response."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "gwctl_session"
# Before sign-in there is no session yet: the sign-in form is protected by a double-submit
# cookie (a random value in a cookie and in the form; a cross-site page can set neither).
SIGNIN_COOKIE = "gwctl_signin"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def new_token() -> str:
    """A fresh unguessable token (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Whether a submitted CSRF token equals the expected one, compared in constant time.

    A missing or empty value on either side never matches.
    """
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def sign_notice(secret: str, *parts: str) -> str:
    """An HMAC of a redirect's notice, keyed with the session's secret."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def apply_security_headers(headers: MutableHeaders, *, cache: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if not cache:
        # Admin pages show account details: keep them out of shared and back-button caches.
        headers["Cache-Control"] = "no-store"


class _PageRoute(APIRoute):
    """A route whose every response carries the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response = await original(request)
            apply_security_headers(response.headers)
            return response

        return handler


def page_router() -> APIRouter:
    """A router of pages: security headers on every response, none in the OpenAPI document."""
    return APIRouter(route_class=_PageRoute, include_in_schema=False)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))
