"""Deleting a gateway: a confirmation page showing what goes, and the POST that deletes the
version the admin confirmed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gwctl.core.providers import load_providers
from gwctl.store.api.deps import Store
from gwctl.store.errors import ApiError, VersionMismatch

from .deps import AdminSession, PostedForm, StoredGateway, WebWriter, provider_named
from .gateway_forms import not_saved_message
from .posted import number, text_field
from .rendering import render
from .security import page_router
from .table import GATEWAYS_PATH, back_to_table

CHANGED_BEFORE_DELETE = (
    "Someone else changed this gateway after you opened this page, so it was not deleted. "
    "Check its current values below and confirm again."
)

router = page_router()


@router.get(GATEWAYS_PATH + "/{key}/delete")
def delete_page(request: Request, _session: AdminSession, gateway: StoredGateway) -> HTMLResponse:
    return render(
        request,
        "delete.html",
        gateway=gateway,
        provider=provider_named(str(gateway.get("provider"))),
        version=gateway["version"],
        error="",
    )


@router.post(GATEWAYS_PATH + "/{key}/delete")
def delete(
    request: Request,
    form: PostedForm,
    session: AdminSession,
    gateway: StoredGateway,
    context: WebWriter,
    store: Store,
) -> Response:
    version = number(text_field(form, "version"))
    try:
        if version is None:
            raise VersionMismatch("the form did not say which version it deletes")
        store.delete_gateway(gateway["key"], if_version=version, context=context)
    except ApiError as exc:
        return render(
            request,
            "delete.html",
            409,
            gateway=gateway,
            provider=load_providers().get(str(gateway.get("provider"))),
            version=gateway["version"],
            error=CHANGED_BEFORE_DELETE
            if isinstance(exc, VersionMismatch)
            else not_saved_message(exc),
        )
    return back_to_table(session, "deleted", str(gateway.get("name", "")))
