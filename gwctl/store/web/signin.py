"""Signing in and out: paste an API token (admin or read) for a session cookie; `/` leads to
the table."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gwctl.store import sessions
from gwctl.store.api.deps import Store, client_of

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


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(GATEWAYS_PATH, status_code=303)


@router.get("/signin")
def signin_page(request: Request, session: CurrentSession) -> Response:
    if session is not None:
        return RedirectResponse(GATEWAYS_PATH, status_code=303)
    return _signin_page(request, notice=NOTICES.get(request.query_params.get("notice", ""), ""))


@router.post("/signin")
def signin(request: Request, form: SignInForm, store: Store) -> Response:
    token = text_field(form, "token").strip()
    principal = store.authenticate(token, client_of(request)) if token else None
    if principal is None:
        return _signin_page(
            request,
            error="This token is not valid. Paste an API token of this store "
            "(an admin or a read token).",
            status_code=401,
            next_path=text_field(form, "next"),
        )
    session_id, _csrf_token = sessions.create_session(
        store.engine, principal.token_name, principal.role
    )
    response = RedirectResponse(_safe_next(text_field(form, "next")), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, session_id)
    clear_cookie(response, request, SIGNIN_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, _form: PostedForm, session: SignedIn, store: Store) -> Response:
    sessions.delete_session(store.engine, session.session_id)
    response = RedirectResponse("/signin?notice=signed_out", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response
