"""`/gateways`: the accounts, read by any token, written by an admin with If-Match, and the
admin-only, audited read of their credentials in clear."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from gwctl.core.api_prefix import API_PREFIX
from gwctl.store.api.deps import Caller, IfMatch, RawBody, Store, Writer
from gwctl.store.api.responses import ETAG, errors, json_body, version_etag
from gwctl.store.errors import ValidationFailed
from gwctl.store.models import GatewayOut, GatewayPage

router = APIRouter(prefix="/gateways")


@router.get("", response_model=GatewayPage, responses=errors(422))
def list_gateways(
    store: Store,
    _caller: Caller,
    provider: Annotated[str | None, Query(max_length=64, description="A provider id.")] = None,
    status: Literal["active", "inactive"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Gateways ordered by key, a page at a time."""
    if provider is not None and provider not in store.providers:
        raise ValidationFailed(
            f"'provider' must be one of: {', '.join(sorted(store.providers))}",
            [{"parameter": "provider", "message": "not a provider of this store"}],
        )
    page = store.list_gateways_json(
        provider=provider, status=status, limit=limit, cursor=cursor or None
    )
    return Response(page, media_type="application/json")


@router.get("/{key}", response_model=GatewayOut, responses={200: {"headers": ETAG}, **errors(404)})
def get_gateway(store: Store, _caller: Caller, key: str, response: Response) -> GatewayOut:
    """One gateway; its version also as ETag."""
    gateway = store.get_gateway(key)
    response.headers["ETag"] = version_etag(gateway.version)
    return gateway


@router.post(
    "",
    status_code=201,
    response_model=GatewayOut,
    responses={
        201: {"headers": {**ETAG, "Location": {"schema": {"type": "string"}}}},
        **errors(403, 409, 413, 422),
    },
    openapi_extra=json_body("GatewayCreate", "The new gateway, with its key."),
)
def create_gateway(store: Store, context: Writer, body: RawBody, response: Response) -> GatewayOut:
    """Create a gateway (every credential required)."""
    gateway = store.create_gateway(body, context)
    response.headers["ETag"] = version_etag(gateway.version)
    response.headers["Location"] = f"{API_PREFIX}/gateways/{gateway.key}"
    return gateway


@router.put(
    "/{key}",
    response_model=GatewayOut,
    responses={200: {"headers": ETAG}, **errors(403, 404, 409, 412, 413, 422, 428, protected=True)},
    openapi_extra=json_body("GatewayUpdate", "The gateway's new state."),
)
def update_gateway(
    store: Store,
    context: Writer,
    version: IfMatch,
    key: str,
    body: RawBody,
    response: Response,
) -> GatewayOut:
    """Update a gateway; credentials, logo, managed_by, protect left out are kept."""
    gateway = store.update_gateway(key, body, if_version=version, context=context)
    response.headers["ETag"] = version_etag(gateway.version)
    return gateway


@router.delete(
    "/{key}",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404, 409, 412, 422, 428, protected=True),
)
def delete_gateway(store: Store, context: Writer, version: IfMatch, key: str) -> Response:
    """Delete a gateway; never a protected one (409 `protected`: unprotect it first)."""
    store.delete_gateway(key, if_version=version, context=context)
    return Response(status_code=204)


@router.get("/{key}/credentials", response_model=dict[str, str], responses=errors(403, 404))
def read_credentials(store: Store, context: Writer, key: str) -> JSONResponse:
    """Admin only: the credentials in clear. Every call is audited (credentials_read)."""
    values = store.read_credentials(key, context)
    return JSONResponse(values, headers={"Cache-Control": "no-store"})
