"""Adding and editing a gateway: the provider tiles, the form generated from the provider's
schema, and the writes.

The store's validation is the authority: its refusals are shown next to the fields their JSON
pointers name, completed with the schema's other findings so that every problem shows at once.
A secret typed into a form is never put back into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gwctl.core.providers import load_providers
from gwctl.store.api.deps import Store
from gwctl.store.errors import (
    ApiError,
    Conflict,
    Forbidden,
    LockHeld,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    ValidationFailed,
    VersionMismatch,
)
from gwctl.store.sessions import WebSession

from . import forms, submission
from .deps import (
    AdminSession,
    ChosenProvider,
    LogoUpload,
    PostedForm,
    StoredGateway,
    WebWriter,
    provider_named,
)
from .page_errors import GatewayNotFound, ReadOnly
from .posted import number, text_field, text_fields
from .rendering import render
from .security import page_router
from .table import GATEWAYS_PATH, back_to_table

CHANGED_BEFORE_SAVE = (
    "Someone else changed this gateway after you opened this page, so your changes were not "
    "saved. Reload the page to see the current values, then make your change again."
)

router = page_router()


def not_saved_message(exc: ApiError) -> str:
    """Why the store refused a write, for people: a held apply lock is explained."""
    if isinstance(exc, LockHeld):
        return (
            "Not saved: gwctl is applying changes right now (" + exc.message + "). "
            "Try again in a moment."
        )
    return exc.message


def _render_form(
    request: Request,
    state: forms.FormState,
    *,
    gateway: forms.GatewayJson | None = None,
    version: int | None = None,
    status_code: int = 200,
    conflict: str = "",
) -> HTMLResponse:
    if state.mode == "create":
        action = f"{GATEWAYS_PATH}/new/{quote(state.provider.id)}"
    else:
        action = f"{GATEWAYS_PATH}/{quote(str(gateway and gateway.get('key')))}/edit"
    return render(
        request,
        "form.html",
        status_code,
        state=state,
        provider=state.provider,
        add_title=forms.add_title(state.provider),
        gateway=gateway,
        version=version,
        action=action,
        conflict=conflict,
        # a form shown again after a refused write has lost the secrets typed into it
        secrets_dropped=status_code != 200 and any(f.secret for f in state.fields),
    )


def _form_with_problems(
    request: Request,
    state: forms.FormState,
    write: Mapping[str, Any],
    reported: list[forms.FieldError],
    *,
    gateway: forms.GatewayJson | None = None,
    version: int | None = None,
) -> HTMLResponse:
    """The form with every problem at once: those reported (by the store or the local checks),
    completed with the schema's other findings (the store checks credentials only once the
    account part is valid; a local key or logo problem stops the write before the store).
    A logo over the size limit answers 413, as the API does; other problems 422."""
    state.add_errors(forms.merge_errors(reported, forms.schema_errors(state, write)))
    too_large = any(problem.code == submission.LOGO_TOO_LARGE for problem in reported)
    return _render_form(
        request, state, gateway=gateway, version=version, status_code=413 if too_large else 422
    )


def _reported(exc: ValidationFailed | PayloadTooLarge) -> list[forms.FieldError]:
    if isinstance(exc, PayloadTooLarge):
        return [forms.FieldError("/logo", exc.message)]
    found = [
        forms.FieldError(str(d.get("pointer", "")), str(d.get("message", exc.message)))
        for d in exc.details
    ]
    return found or [forms.FieldError("", exc.message)]


def _refused(
    request: Request,
    session: WebSession,
    state: forms.FormState,
    write: Mapping[str, Any],
    exc: ApiError,
    *,
    gateway: forms.GatewayJson | None = None,
    version: int | None = None,
) -> HTMLResponse:
    """The form again, showing why the store refused the write."""
    if isinstance(exc, ValidationFailed | PayloadTooLarge):
        return _form_with_problems(
            request, state, write, _reported(exc), gateway=gateway, version=version
        )
    if isinstance(exc, Forbidden | Unauthorized):
        raise ReadOnly(session.principal.token_name)
    if isinstance(exc, NotFound):
        raise GatewayNotFound(str(gateway and gateway.get("key")))
    conflict = ""
    pointers = [str(d["pointer"]) for d in exc.details if d.get("pointer")]
    if isinstance(exc, VersionMismatch):
        conflict = CHANGED_BEFORE_SAVE
    elif isinstance(exc, Conflict) and pointers:  # a duplicate key or Gateway Name
        state.add_errors([forms.FieldError(pointers[0], exc.message)])
    else:
        state.general_errors.append(not_saved_message(exc))
    status_code = 409 if isinstance(exc, VersionMismatch | Conflict | LockHeld) else 400
    return _render_form(
        request, state, gateway=gateway, version=version, status_code=status_code, conflict=conflict
    )


# -- add ------------------------------------------------------------------------------------


@router.get(GATEWAYS_PATH + "/new")
def pick_provider(request: Request, _session: AdminSession) -> HTMLResponse:
    return render(request, "providers.html", providers=list(load_providers().values()))


@router.get(GATEWAYS_PATH + "/new/{provider_id}")
def add_page(request: Request, _session: AdminSession, provider: ChosenProvider) -> HTMLResponse:
    return _render_form(request, forms.new_form(provider))


@router.post(GATEWAYS_PATH + "/new/{provider_id}")
def add(
    request: Request,
    form: PostedForm,
    session: AdminSession,
    provider: ChosenProvider,
    upload: LogoUpload,
    context: WebWriter,
    store: Store,
) -> Response:
    state = forms.new_form(provider)
    write, problems = submission.parse_submission(state, text_fields(form), upload)
    if problems:
        return _form_with_problems(request, state, write, problems)
    try:
        store.create_gateway(write, context)
    except ApiError as exc:
        return _refused(request, session, state, write, exc)
    return back_to_table(session, "created", str(write.get("name", "")))


# -- edit -----------------------------------------------------------------------------------


@router.get(GATEWAYS_PATH + "/{key}/edit")
def edit_page(request: Request, _session: AdminSession, gateway: StoredGateway) -> HTMLResponse:
    state = forms.edit_form(provider_named(str(gateway.get("provider"))), gateway)
    return _render_form(request, state, gateway=gateway, version=gateway["version"])


@router.post(GATEWAYS_PATH + "/{key}/edit")
def edit(
    request: Request,
    form: PostedForm,
    session: AdminSession,
    gateway: StoredGateway,
    upload: LogoUpload,
    context: WebWriter,
    store: Store,
) -> Response:
    state = forms.edit_form(provider_named(str(gateway.get("provider"))), gateway)
    version = number(text_field(form, "version"))
    write, problems = submission.parse_submission(state, text_fields(form), upload)
    if problems:
        return _form_with_problems(
            request, state, write, problems, gateway=gateway, version=version
        )
    try:
        if version is None:
            raise VersionMismatch("the form did not say which version it edits")
        store.update_gateway(gateway["key"], write, if_version=version, context=context)
    except ApiError as exc:
        return _refused(request, session, state, write, exc, gateway=gateway, version=version)
    return back_to_table(session, "updated", str(write.get("name", "")))
