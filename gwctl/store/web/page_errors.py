"""Why a page is refused, and the one exception handler that shows it.

Dependencies and routes raise a `PageError`; `show_page_error` turns it into the error page
with its status, or, for a visitor without a session, into a redirect to sign-in that comes
back to the page asked for. Messages never quote a secret.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from gwctl.core.logos import MAX_LOGO_BYTES
from gwctl.core.model import KEY_PATTERN
from gwctl.store.middleware import WEB_BODY_LIMIT

from .rendering import render
from .security import apply_security_headers


class PageError(Exception):
    """A request the page refuses."""


class SignInRequired(PageError):
    """No live session: sign in first."""


class PageRefused(PageError):
    """A refusal shown as the error page: its status, title and message."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


class CsrfRefused(PageRefused):
    def __init__(self) -> None:
        super().__init__(
            403,
            "Request refused",
            "This form was not sent with a valid security token (CSRF), so nothing was "
            "changed. Go back, reload the page and try again.",
        )


class ReadOnly(PageRefused):
    def __init__(self, user_name: str) -> None:
        super().__init__(
            403,
            "Read-only access",
            f"You are signed in as '{user_name}', a read-only user: "
            "you can see the gateways and their history, not change them.",
        )


class FormTooLarge(PageRefused):
    def __init__(self) -> None:
        super().__init__(
            413,
            "Form too large",
            f"This form sent more than {WEB_BODY_LIMIT // (1024 * 1024)} MiB, so nothing was "
            f"saved. A logo is at most {MAX_LOGO_BYTES // 1024} KiB: go back, choose a smaller "
            "image and send the form again.",
        )


class GatewayNotFound(PageRefused):
    def __init__(self, key: str) -> None:
        # Only a well-formed key is echoed: the page never repeats arbitrary path text.
        known_shape = KEY_PATTERN.fullmatch(key)
        super().__init__(
            404,
            "Gateway not found",
            f"There is no gateway with key '{key}'."
            if known_shape
            else "There is no such gateway.",
        )


class UnknownProvider(PageRefused):
    def __init__(self, provider_id: str) -> None:
        super().__init__(
            404, "Unknown gateway company", f"No gateway company '{provider_id}' is available."
        )


def _to_signin(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)


async def show_page_error(request: Request, exc: Exception) -> Response:
    """The app's handler of every PageError (the pages' only one)."""
    if isinstance(exc, PageRefused):
        response: Response = render(
            request, "error.html", exc.status_code, title=exc.title, message=exc.message
        )
    else:
        response = _to_signin(request)
    apply_security_headers(response.headers)
    return response


async def too_large_page(scope: Scope, receive: Receive, send: Send) -> None:
    """The error page of a body over the store's web limit (an ASGI app: the body-limit
    middleware answers with it before any route runs; the API keeps its JSON error)."""
    response = await show_page_error(Request(scope, receive), FormTooLarge())
    await response(scope, receive, send)
