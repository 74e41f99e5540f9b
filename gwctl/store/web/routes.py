"""The SMS Gateways web page: sign-in, the Available Gateways table, add, edit, delete, history.

Every page is rendered on the server (Jinja2, autoescaped). Every POST carries the session's
CSRF token; every write needs an admin session. The store's validation is the authority: the
routes turn its JSON-pointer errors into messages next to the form's fields. A credential is
never rendered in clear: the store hands out masks only, and a submitted secret is never put
back into a form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gwctl.core.logos import MAX_LOGO_BYTES
from gwctl.core.model import KEY_PATTERN
from gwctl.core.providers import STORE_COLUMNS, Provider, load_providers

from . import forms
from .backend import (
    Actor,
    BackendError,
    Conflict,
    FieldError,
    Forbidden,
    Gateway,
    NotFound,
    Principal,
    ValidationFailed,
    VersionMismatch,
    WebBackend,
    WebSession,
)
from .security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    apply_security_headers,
    clear_cookie,
    new_token,
    set_cookie,
    sign_notice,
    tokens_match,
)

HERE = Path(__file__).resolve().parent
KEYLIKE = re.compile(r"[a-z0-9][a-z0-9-]*")
KEYLIKE_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _provider_icon(provider_id: str) -> str:
    """The provider's icon in static/icons, or the generic one for a provider without one."""
    if (
        KEYLIKE.fullmatch(provider_id)
        and (HERE / "static" / f"provider-{provider_id}.svg").is_file()
    ):
        return f"/static/provider-{provider_id}.svg"
    return "/static/provider-generic.svg"


def _first_sentences(text: str, count: int) -> str:
    sentences = [s for s in text.split(". ") if s]
    head = ". ".join(sentences[:count])
    return head if head.endswith(".") else head + "."


def _when(value: Any) -> str:
    """An RFC 3339 time as "2026-11-24 19:12:04" (UTC)."""
    text = str(value or "")
    return text.replace("T", " ").removesuffix("Z").split("+")[0].split(".")[0]


def _current_mask(gateway: Gateway | None, f: forms.FormField) -> str:
    stored = ((gateway or {}).get("credentials") or {}).get(
        f.name.removeprefix(forms.CREDENTIALS_PREFIX)
    )
    mask = stored.get("mask") if isinstance(stored, Mapping) else None
    return f"{mask} (unchanged)" if mask else ""


TEMPLATES.globals.update(provider_icon=_provider_icon, current_mask=_current_mask)
TEMPLATES.filters.update(first_sentences=_first_sentences, when=_when)
COLUMN_TITLES = {
    "api_key": "API Key",
    "secret_key": "Secret Key",
    "username": "Username",
    "password": "Password",
}
NOTICES = {
    "created": "The gateway {name} has been added.",
    "updated": "The gateway {name} has been updated.",
    "deleted": "The gateway {name} has been deleted.",
    "signed_out": "You have been signed out.",
}
GATEWAYS_PATH = "/gateways"
MAX_FORM_BYTES = 1024 * 1024  # a form: a 256 KiB logo and a few short texts
T = TypeVar("T")


class _WebRoute(APIRoute):
    """A route whose every response carries the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            response = await original(request)
            apply_security_headers(response.headers)
            return response

        return handler


@dataclass(frozen=True)
class Cell:
    """A credential column of the table: a mask, or an identifier in clear, or empty."""

    text: str
    masked: bool


def table_cells(gateway: Gateway, provider: Provider | None) -> list[Cell | None]:
    """The four generic credential columns (API Key, Secret Key, Username, Password) of a row.

    The column comes from the store (which reads the schema's `x-gwctl-column`), falling back to
    the schema itself. Secrets show their mask; identifiers their clear value; a provider
    without such a field leaves the cell empty.
    """
    by_column: dict[str, Cell] = {}
    schema_columns = {c.name: c.column for c in provider.credentials} if provider else {}
    for name, info in (gateway.get("credentials") or {}).items():
        column = info.get("column") or schema_columns.get(name)
        if column not in STORE_COLUMNS:
            continue
        value = info.get("value")
        if not info.get("secret", True) and isinstance(value, str):
            by_column[column] = Cell(value, masked=False)
        else:
            by_column[column] = Cell(str(info.get("mask") or "••••"), masked=True)
    return [by_column.get(column) for column in STORE_COLUMNS]


def _providers() -> dict[str, Provider]:
    return load_providers()


class WebApp:
    """The routes, bound to the store they show and change."""

    def __init__(self, backend: WebBackend) -> None:
        self.backend = backend
        self.router = APIRouter(route_class=_WebRoute, include_in_schema=False)
        r = self.router
        r.add_api_route("/", self.home, methods=["GET"])
        r.add_api_route("/signin", self.signin_page, methods=["GET"])
        r.add_api_route("/signin", self.signin, methods=["POST"])
        r.add_api_route("/signout", self.signout, methods=["POST"])
        r.add_api_route(GATEWAYS_PATH, self.gateways, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/new", self.pick_provider, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/new/{provider_id}", self.new_form, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/new/{provider_id}", self.create, methods=["POST"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/edit", self.edit_form, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/edit", self.update, methods=["POST"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/delete", self.delete_page, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/delete", self.delete, methods=["POST"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/history", self.history, methods=["GET"])
        r.add_api_route(GATEWAYS_PATH + "/{key}/logo", self.logo, methods=["GET"])

    # -- plumbing ----------------------------------------------------------------------------

    @staticmethod
    async def _call(fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(functools.partial(fn, *args))

    def _render(
        self,
        request: Request,
        template: str,
        session: WebSession | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        html = TEMPLATES.get_template(template).render(
            request_path=request.url.path,
            session=session,
            principal=session.principal if session else None,
            can_write=bool(session and session.principal.can_write),
            csrf_field=CSRF_FIELD,
            csrf_token=session.csrf_token if session else "",
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def _error(
        self,
        request: Request,
        session: WebSession | None,
        status_code: int,
        title: str,
        message: str,
    ) -> HTMLResponse:
        return self._render(
            request, "error.html", session, status_code, title=title, message=message
        )

    async def _session(self, request: Request) -> WebSession | None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        return await self._call(self.backend.get_session, session_id)

    @staticmethod
    def _to_signin(request: Request) -> RedirectResponse:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)

    async def _guard_post(
        self, request: Request, *, write: bool = True
    ) -> tuple[WebSession | None, FormData | None, Response | None]:
        """Session, CSRF token and (for writes) the admin role of a POST; or the refusal."""
        session = await self._session(request)
        if session is None:
            return None, None, self._to_signin(request)
        if (_int(request.headers.get("content-length", "0")) or 0) > MAX_FORM_BYTES:
            return (
                session,
                None,
                self._error(
                    request,
                    session,
                    413,
                    "Form too large",
                    "This form sent more data than a gateway can hold (a logo is at most 256 KiB).",
                ),
            )
        form = await request.form(max_files=1, max_fields=64)
        if not tokens_match(session.csrf_token, _text(form, CSRF_FIELD)):
            return session, None, self._csrf_refused(request, session)
        if write and not session.principal.can_write:
            return session, None, self._read_only(request, session)
        return session, form, None

    def _csrf_refused(self, request: Request, session: WebSession | None) -> HTMLResponse:
        return self._error(
            request,
            session,
            403,
            "Request refused",
            "This form was not sent with a valid security token (CSRF), so nothing was "
            "changed. Go back, reload the page and try again.",
        )

    def _read_only(self, request: Request, session: WebSession) -> HTMLResponse:
        return self._error(
            request,
            session,
            403,
            "Read-only access",
            f"You are signed in with the read-only token '{session.principal.token_name}': "
            "it can see the gateways and their history, not change them.",
        )

    def _not_found(self, request: Request, session: WebSession, key: str) -> HTMLResponse:
        return self._error(
            request,
            session,
            404,
            "Gateway not found",
            (
                f"There is no gateway with key '{key}'."
                if KEY_PATTERN.fullmatch(key)
                else "There is no such gateway."
            ),
        )

    @staticmethod
    def _actor(session: WebSession) -> Actor:
        return Actor(
            actor=f"web:{session.principal.token_name}", token_name=session.principal.token_name
        )

    @staticmethod
    def _done(session: WebSession, notice: str, name: str) -> RedirectResponse:
        """Back to the table with a notice; signed, so that nobody can craft a link that shows
        their own text in this page."""
        query = {
            "notice": notice,
            "name": name,
            "sig": sign_notice(session.csrf_token, notice, name),
        }
        return RedirectResponse(GATEWAYS_PATH + "?" + urlencode(query), status_code=303)

    # -- sign-in -----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return RedirectResponse(GATEWAYS_PATH, status_code=303)

    async def signin_page(self, request: Request) -> Response:
        if await self._session(request) is not None:
            return RedirectResponse(GATEWAYS_PATH, status_code=303)
        return self._signin_form(
            request, notice=NOTICES.get(request.query_params.get("notice", ""), "")
        )

    def _signin_form(
        self,
        request: Request,
        *,
        error: str = "",
        notice: str = "",
        status_code: int = 200,
        next_path: str | None = None,
    ) -> Response:
        # Reuse the double-submit value of another open sign-in tab, so both tabs still work.
        existing = request.cookies.get(SIGNIN_COOKIE, "")
        token = existing if KEYLIKE_TOKEN.fullmatch(existing) else new_token()
        response = self._render(
            request,
            "signin.html",
            None,
            status_code,
            signin_token=token,
            next=_safe_next(next_path or request.query_params.get("next")),
            error=error,
            notice=notice,
        )
        set_cookie(response, request, SIGNIN_COOKIE, token, max_age=3600)
        return response

    async def signin(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=8)
        if not tokens_match(request.cookies.get(SIGNIN_COOKIE), _text(form, CSRF_FIELD)):
            return self._csrf_refused(request, None)
        token = _text(form, "token").strip()
        backend = self.backend
        principal: Principal | None = None
        if token:
            principal = await self._call(backend.authenticate, token)
        if principal is None:
            return self._signin_form(
                request,
                error="This token is not valid. Paste an API token of this store "
                "(an admin or a read token).",
                status_code=401,
                next_path=_text(form, "next"),
            )
        session = await self._call(backend.create_session, principal)
        response = RedirectResponse(_safe_next(_text(form, "next")), status_code=303)
        set_cookie(response, request, SESSION_COOKIE, session.session_id)
        clear_cookie(response, request, SIGNIN_COOKIE)
        return response

    async def signout(self, request: Request) -> Response:
        session, _form, refused = await self._guard_post(request, write=False)
        if refused is not None:
            return refused
        assert session is not None
        await self._call(self.backend.delete_session, session.session_id)
        response = RedirectResponse("/signin?notice=signed_out", status_code=303)
        clear_cookie(response, request, SESSION_COOKIE)
        return response

    # -- the table ---------------------------------------------------------------------------

    async def gateways(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return self._to_signin(request)
        gateways = await self._call(self.backend.list_gateways)
        providers = _providers()
        rows = [
            {
                "sn": index,
                "gateway": gateway,
                "company_name": gateway.get("company_name")
                or _company(providers, str(gateway.get("provider"))),
                "cells": table_cells(gateway, providers.get(str(gateway.get("provider")))),
                "drifted": gateway.get("managed_by") == "gwctl"
                and gateway.get("applied_digest") is None,
            }
            for index, gateway in enumerate(gateways, start=1)
        ]
        params = request.query_params
        notice_code, name = params.get("notice", ""), params.get("name", "")
        notice_template = NOTICES.get(notice_code)
        notice = ""
        if notice_template and tokens_match(
            sign_notice(session.csrf_token, notice_code, name), params.get("sig")
        ):
            notice = notice_template.format(name=f"'{name}'")
        return self._render(
            request,
            "gateways.html",
            session,
            rows=rows,
            columns=[COLUMN_TITLES[c] for c in STORE_COLUMNS],
            notice=notice,
            companies=_join_or(sorted(p.company_name for p in providers.values())),
        )

    async def logo(self, request: Request, key: str) -> Response:
        session = await self._session(request)
        if session is None:
            return Response(status_code=401)
        found = await self._call(self.backend.logo, key)
        if found is None:
            return Response(status_code=404)
        data, content_type = found
        if content_type not in ("image/png", "image/jpeg"):
            return Response(status_code=404)
        return Response(data, media_type=content_type, headers={"Cache-Control": "private"})

    async def _writer_session(self, request: Request) -> WebSession | Response:
        """The session of an admin opening a write page, or where to send anyone else."""
        session = await self._session(request)
        if session is None:
            return self._to_signin(request)
        if not session.principal.can_write:
            return self._read_only(request, session)
        return session

    # -- add ---------------------------------------------------------------------------------

    async def pick_provider(self, request: Request) -> Response:
        session = await self._writer_session(request)
        if isinstance(session, Response):
            return session
        return self._render(
            request, "providers.html", session, providers=list(_providers().values())
        )

    def _provider_or_404(
        self, request: Request, session: WebSession, provider_id: str
    ) -> Provider | HTMLResponse:
        provider = _providers().get(provider_id)
        if provider is None:
            return self._error(
                request,
                session,
                404,
                "Unknown gateway company",
                f"No gateway company '{provider_id}' is available.",
            )
        return provider

    async def new_form(self, request: Request, provider_id: str) -> Response:
        session = await self._writer_session(request)
        if isinstance(session, Response):
            return session
        provider = self._provider_or_404(request, session, provider_id)
        if isinstance(provider, HTMLResponse):
            return provider
        state = forms.new_form(provider)
        return self._render_form(request, session, state)

    def _render_form(
        self,
        request: Request,
        session: WebSession,
        state: forms.FormState,
        *,
        gateway: Gateway | None = None,
        version: int | None = None,
        conflict: str = "",
        status_code: int = 200,
        secrets_dropped: bool = False,
    ) -> HTMLResponse:
        if state.mode == "create":
            action = f"{GATEWAYS_PATH}/new/{quote(state.provider.id)}"
        else:
            action = f"{GATEWAYS_PATH}/{quote(str(gateway and gateway.get('key')))}/edit"
        return self._render(
            request,
            "form.html",
            session,
            status_code,
            state=state,
            provider=state.provider,
            gateway=gateway,
            version=version,
            action=action,
            conflict=conflict,
            secrets_dropped=secrets_dropped,
        )

    async def create(self, request: Request, provider_id: str) -> Response:
        session, form, refused = await self._guard_post(request)
        if refused is not None:
            return refused
        assert session is not None
        assert form is not None
        provider = self._provider_or_404(request, session, provider_id)
        if isinstance(provider, HTMLResponse):
            return provider
        state = forms.new_form(provider)
        write, errors = forms.parse_submission(state, _texts(form), await _upload(form))
        try:
            if errors:
                raise ValidationFailed("invalid form", errors)
            await self._call(self.backend.create_gateway, write, self._actor(session))
        except BackendError as exc:
            return self._form_failed(request, session, state, _complete(exc, state, write))
        return self._done(session, "created", str(write.get("name", "")))

    def _form_failed(
        self,
        request: Request,
        session: WebSession,
        state: forms.FormState,
        exc: BackendError,
        *,
        gateway: Gateway | None = None,
        version: int | None = None,
    ) -> HTMLResponse:
        conflict = ""
        status_code = 422
        if isinstance(exc, ValidationFailed):
            state.add_errors(exc.errors)
        elif isinstance(exc, Conflict):
            status_code = 409
            if exc.pointer:
                state.add_errors([FieldError(exc.pointer, exc.message)])
            else:
                state.general_errors.append(exc.message)
        elif isinstance(exc, VersionMismatch):
            status_code = 409
            conflict = (
                "Someone else changed this gateway after you opened this page, so your changes "
                "were not saved. Reload the page to see the current values, then make your "
                "change again."
            )
        elif isinstance(exc, Forbidden):
            return self._read_only(request, session)
        elif isinstance(exc, NotFound):
            return self._not_found(request, session, str(gateway and gateway.get("key")))
        else:
            status_code = 400
            state.general_errors.append(exc.message)
        secrets_dropped = any(f.secret for f in state.fields)
        return self._render_form(
            request,
            session,
            state,
            gateway=gateway,
            version=version,
            conflict=conflict,
            status_code=status_code,
            secrets_dropped=secrets_dropped,
        )

    # -- edit --------------------------------------------------------------------------------

    async def _load(
        self, request: Request, session: WebSession, key: str
    ) -> tuple[Gateway, Provider] | HTMLResponse:
        gateway = await self._call(self.backend.get_gateway, key)
        if gateway is None:
            return self._not_found(request, session, key)
        provider = self._provider_or_404(request, session, str(gateway.get("provider")))
        if isinstance(provider, HTMLResponse):
            return provider
        return gateway, provider

    async def edit_form(self, request: Request, key: str) -> Response:
        session = await self._writer_session(request)
        if isinstance(session, Response):
            return session
        loaded = await self._load(request, session, key)
        if isinstance(loaded, HTMLResponse):
            return loaded
        gateway, provider = loaded
        state = forms.edit_form(provider, gateway)
        return self._render_form(
            request, session, state, gateway=gateway, version=_version(gateway)
        )

    async def update(self, request: Request, key: str) -> Response:
        session, form, refused = await self._guard_post(request)
        if refused is not None:
            return refused
        assert session is not None
        assert form is not None
        loaded = await self._load(request, session, key)
        if isinstance(loaded, HTMLResponse):
            return loaded
        gateway, provider = loaded
        state = forms.edit_form(provider, gateway)
        version = _int(_text(form, "version"))
        write, errors = forms.parse_submission(state, _texts(form), await _upload(form))
        try:
            if errors:
                raise ValidationFailed("invalid form", errors)
            if version is None:
                raise VersionMismatch("the form did not say which version it edits")
            await self._call(self.backend.update_gateway, key, write, version, self._actor(session))
        except BackendError as exc:
            return self._form_failed(
                request,
                session,
                state,
                _complete(exc, state, write),
                gateway=gateway,
                version=version,
            )
        return self._done(session, "updated", str(write.get("name", "")))

    # -- delete ------------------------------------------------------------------------------

    async def delete_page(self, request: Request, key: str) -> Response:
        session = await self._writer_session(request)
        if isinstance(session, Response):
            return session
        loaded = await self._load(request, session, key)
        if isinstance(loaded, HTMLResponse):
            return loaded
        gateway, provider = loaded
        return self._render(
            request,
            "delete.html",
            session,
            gateway=gateway,
            provider=provider,
            version=_version(gateway),
            error="",
        )

    async def delete(self, request: Request, key: str) -> Response:
        session, form, refused = await self._guard_post(request)
        if refused is not None:
            return refused
        assert session is not None
        assert form is not None
        backend = self.backend
        version = _int(_text(form, "version"))
        gateway = await self._call(backend.get_gateway, key)
        if gateway is None:
            return self._not_found(request, session, key)
        try:
            if version is None:
                raise VersionMismatch("the form did not say which version it deletes")
            await self._call(backend.delete_gateway, key, version, self._actor(session))
        except BackendError as exc:
            if isinstance(exc, VersionMismatch):
                error = (
                    "Someone else changed this gateway after you opened this page, so it was "
                    "not deleted. Check its current values below and confirm again."
                )
            else:
                error = exc.message
            return self._render(
                request,
                "delete.html",
                session,
                409,
                gateway=gateway,
                provider=_providers().get(str(gateway.get("provider"))),
                version=_version(gateway),
                error=error,
            )
        return self._done(session, "deleted", str(gateway.get("name", "")))

    # -- history -----------------------------------------------------------------------------

    async def history(self, request: Request, key: str) -> Response:
        session = await self._session(request)
        if session is None:
            return self._to_signin(request)
        backend = self.backend
        gateway = await self._call(backend.get_gateway, key)
        entries = await self._call(backend.history, key)
        if gateway is None and not entries:
            return self._not_found(request, session, key)
        return self._render(
            request,
            "history.html",
            session,
            key=key,
            gateway=gateway,
            entries=list(reversed(entries)),
        )


def _complete(exc: BackendError, state: forms.FormState, write: Mapping[str, Any]) -> BackendError:
    """A validation failure completed with the schema's other findings, so that the form lists
    every problem at once (the store checks credentials only once the account part is valid;
    a local key or logo problem stops the write before the store sees it)."""
    if not isinstance(exc, ValidationFailed):
        return exc
    errors = forms.merge_errors(exc.errors, forms.schema_errors(state, write))
    return ValidationFailed(exc.message, errors)


def _join_or(names: list[str]) -> str:
    """ "A, B or C"."""
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _company(providers: Mapping[str, Provider], provider_id: str) -> str:
    provider = providers.get(provider_id)
    return provider.company_name if provider else provider_id


def _version(gateway: Gateway) -> int | None:
    return _int(str(gateway.get("version", "")))


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _texts(form: FormData) -> dict[str, str]:
    return {name: value for name, value in form.items() if isinstance(value, str)}


async def _upload(form: FormData) -> forms.Upload | None:
    value = form.get(forms.LOGO_FIELD)
    if not isinstance(value, UploadFile):
        return None
    data = await value.read(MAX_LOGO_BYTES + 1)
    return forms.Upload(data=data, filename=value.filename or "")


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
