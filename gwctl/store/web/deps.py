"""The web page's dependencies, as `Annotated` aliases that raise a PageError.

A page names what it needs and receives it checked: `SignedIn` (a live session, else a
redirect to sign-in), `AdminSession` (an admin's, else 403 read-only), `PostedForm` (a POST's
form, within the size limit and carrying the session's CSRF token), `StoredGateway` (the
gateway its path names, else 404). The pages never test a dependency's result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData
from starlette.requests import Request

from gwctl.core.providers import Provider, load_providers
from gwctl.store import sessions
from gwctl.store.api.deps import Store
from gwctl.store.context import WriteContext
from gwctl.store.errors import NotFound
from gwctl.store.middleware import WEB_BODY_LIMIT
from gwctl.store.sessions import WebSession

from . import forms
from .page_errors import (
    CsrfRefused,
    FormTooLarge,
    GatewayNotFound,
    ReadOnly,
    SignInRequired,
    UnknownProvider,
)
from .posted import logo_upload, number, text_field
from .rendering import remember_session
from .security import CSRF_FIELD, SESSION_COOKIE, SIGNIN_COOKIE, tokens_match
from .submission import Upload

# A form is read up to the store's web body limit: a logo over its own 256 KiB limit is then
# refused next to its field, with what was typed kept.
MAX_FORM_BYTES = WEB_BODY_LIMIT


def _current_session(request: Request, store: Store) -> WebSession | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    session = sessions.get_session(store.engine, session_id) if session_id else None
    remember_session(request, session)
    return session


CurrentSession = Annotated[WebSession | None, Depends(_current_session)]


def _signed_in(session: CurrentSession) -> WebSession:
    if session is None:
        raise SignInRequired
    return session


SignedIn = Annotated[WebSession, Depends(_signed_in)]


def _admin_session(session: SignedIn) -> WebSession:
    if not session.principal.can_write:
        raise ReadOnly(session.principal.token_name)
    return session


AdminSession = Annotated[WebSession, Depends(_admin_session)]


async def _posted_form(request: Request, session: SignedIn) -> FormData:
    if (number(request.headers.get("content-length", "0")) or 0) > MAX_FORM_BYTES:
        raise FormTooLarge
    form = await request.form(max_files=1, max_fields=64)
    if not tokens_match(session.csrf_token, text_field(form, CSRF_FIELD)):
        raise CsrfRefused
    return form


# Declare it before `AdminSession`: a forged form is refused before the role is looked at.
PostedForm = Annotated[FormData, Depends(_posted_form)]


async def _signin_form(request: Request) -> FormData:
    """The sign-in form, checked against its double-submit cookie (there is no session yet)."""
    form = await request.form(max_files=0, max_fields=8)
    if not tokens_match(request.cookies.get(SIGNIN_COOKIE), text_field(form, CSRF_FIELD)):
        raise CsrfRefused
    return form


SignInForm = Annotated[FormData, Depends(_signin_form)]


async def _uploaded_logo(form: PostedForm) -> Upload | None:
    return await logo_upload(form)


LogoUpload = Annotated[Upload | None, Depends(_uploaded_logo)]


def _web_writer(session: AdminSession) -> WriteContext:
    """A web write is audited as `web:<user name>` (no token was used)."""
    return WriteContext(token_name=None, actor=f"web:{session.user_name}")


WebWriter = Annotated[WriteContext, Depends(_web_writer)]


def provider_named(provider_id: str) -> Provider:
    """The gateway company with this id; 404 for one the schemas do not know."""
    provider = load_providers().get(provider_id)
    if provider is None:
        raise UnknownProvider(provider_id)
    return provider


ChosenProvider = Annotated[Provider, Depends(provider_named)]


def _stored_gateway(store: Store, key: str) -> forms.GatewayJson:
    try:
        return store.get_gateway(key).model_dump(mode="json")
    except NotFound:
        raise GatewayNotFound(key) from None


StoredGateway = Annotated[forms.GatewayJson, Depends(_stored_gateway)]
