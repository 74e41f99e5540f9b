"""Signing in and out: a user name and password for a session cookie; `/` leads to the table.

Wrong name or wrong password get one and the same answer. Too many failures from an address,
or for one user name, get a 429 sign-in page that says when to try again (with Retry-After).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gwctl.store import sessions, signins
from gwctl.store.api.deps import Guard, RequestClient, Store
from gwctl.store.throttle import Throttled

from .deps import CurrentSession, PostedForm, SignedIn, SignInForm
from .posted import text_field
from .rendering import render
from .security import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    clear_cookie,
    new_token,
    page_router,
    set_cookie,
)
from .table import GATEWAYS_PATH, NOTICES

KEYLIKE_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
WRONG_CREDENTIALS = "The user name or password is not right."
FIELD_MAX = 256  # longer than any user name or password: refused unread

router = page_router()


def _safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target after sign-in (no open redirect)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and all(ch.isprintable() and not ch.isspace() and ch != "\\" for ch in target)
        and not target.startswith("/signin")
    ):
        return target
    return GATEWAYS_PATH


def _signin_page(
    request: Request,
    *,
    error: str = "",
    notice: str = "",
    status_code: int = 200,
    next_path: str | None = None,
) -> HTMLResponse:
    # Reuse the double-submit value of another open sign-in tab, so both tabs still work.
    existing = request.cookies.get(SIGNIN_COOKIE, "")
    token = existing if KEYLIKE_TOKEN.fullmatch(existing) else new_token()
    response = render(
        request,
        "signin.html",
        status_code,
        signin_token=token,
        next=_safe_next(next_path or request.query_params.get("next")),
        error=error,
        notice=notice,
    )
    set_cookie(response, request, SIGNIN_COOKIE, token, max_age=3600)
    return response


def wait_message(throttled: Throttled) -> str:
    """When to try again, in words a person reads."""
    seconds = throttled.retry_after
    wait = f"{seconds} seconds" if seconds < 120 else f"{-(-seconds // 60)} minutes"
    return f"Too many failed sign-ins. For your security, try again in {wait}."


def too_many_attempts(request: Request, throttled: Throttled, next_path: str) -> HTMLResponse:
    """The 429 sign-in page: when to try again, and `Retry-After` for programs."""
    response = _signin_page(
        request, error=wait_message(throttled), status_code=429, next_path=next_path
    )
    response.headers["Retry-After"] = str(throttled.retry_after)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(GATEWAYS_PATH, status_code=303)


@router.get("/signin")
def signin_page(request: Request, session: CurrentSession) -> Response:
    if session is not None:
        return RedirectResponse(GATEWAYS_PATH, status_code=303)
    return _signin_page(request, notice=NOTICES.get(request.query_params.get("notice", ""), ""))


@router.post("/signin")
def signin(
    request: Request, form: SignInForm, store: Store, throttle: Guard, client: RequestClient
) -> Response:
    name, password = text_field(form, "username").strip(), text_field(form, "password")
    next_path = text_field(form, "next")
    outcome: signins.SignedIn | signins.WrongCredentials | Throttled = signins.WrongCredentials()
    if name and password and len(name) <= FIELD_MAX and len(password) <= FIELD_MAX:
        outcome = signins.sign_in(store.engine, throttle, name, password, client)
    if isinstance(outcome, Throttled):
        return too_many_attempts(request, outcome, next_path)
    if isinstance(outcome, signins.WrongCredentials):
        return _signin_page(request, error=WRONG_CREDENTIALS, status_code=401, next_path=next_path)
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, outcome.session_id)
    clear_cookie(response, request, SIGNIN_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, _form: PostedForm, session: SignedIn, store: Store) -> Response:
    sessions.delete_session(store.engine, session.session_id)
    response = RedirectResponse("/signin?notice=signed_out", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response
