"""The REST API's endpoints (docs/store-api.md): Bearer auth with roles, audit headers,
If-Match, and one small function per endpoint calling gwctl.store.service.GatewayStore."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from gwctl.store.context import Principal, WriteContext
from gwctl.store.errors import (
    Forbidden,
    NotFound,
    PreconditionRequired,
    Unauthorized,
    ValidationFailed,
    VersionMismatch,
)
from gwctl.store.models import (
    AuditPage,
    AuditVerification,
    ChangesetResult,
    ErrorBody,
    GatewayOut,
    GatewayPage,
    Health,
    LockOut,
    LockRequest,
    LockStatus,
    ProviderOut,
)
from gwctl.store.service import GatewayStore
from gwctl.store.validation import parse_logo, unstorable_text

API = "/api/v1"
HEADER_MAX = 255


# -- auth and context ---------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="A store token (`gwctl store token create`).")


def _store(request: Request) -> GatewayStore:
    store: GatewayStore = request.app.state.store
    return store


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("an 'Authorization: Bearer <token>' header is required")
    found = _store(request).authenticate(credentials.credentials)
    if found is None:
        raise Unauthorized("the token is not valid (unknown or revoked)")
    return found


_CHECKED_HEADERS = (
    "x-gwctl-actor",
    "x-gwctl-source-commit",
    "x-gwctl-plan-id",
    "x-gwctl-lock",
    "idempotency-key",
)


def _storable_parameters(request: Request) -> None:
    """422 for parameters no database can store or compare (NUL, invalid Unicode)."""
    parameters = [
        *request.query_params.multi_items(),
        *request.path_params.items(),
        *((name, request.headers[name]) for name in _CHECKED_HEADERS if name in request.headers),
    ]
    problems = [
        {"parameter": name, "message": "must not contain NUL characters or invalid Unicode"}
        for name, value in parameters
        if unstorable_text(str(value))
    ]
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)


Store = Annotated[GatewayStore, Depends(_store)]
Caller = Annotated[Principal, Depends(_principal)]
RawBody = Annotated[Any, Body()]


def _require_admin(principal: Principal) -> Principal:
    if not principal.can_write:
        raise Forbidden(f"the token '{principal.token_name}' has the read role: it cannot write")
    return principal


AuditHeader = Annotated[str | None, Header(max_length=HEADER_MAX)]


def _write_context(
    caller: Caller,
    x_gwctl_actor: AuditHeader = None,
    x_gwctl_source_commit: AuditHeader = None,
    x_gwctl_plan_id: AuditHeader = None,
    x_gwctl_lock: AuditHeader = None,
) -> WriteContext:
    """Who writes and from what (the X-Gwctl-* headers), for an admin token only."""
    return WriteContext.for_principal(
        _require_admin(caller),
        actor=x_gwctl_actor,
        source_commit=x_gwctl_source_commit,
        plan_id=x_gwctl_plan_id,
        lock_id=x_gwctl_lock,
    )


Writer = Annotated[WriteContext, Depends(_write_context)]


def parse_if_match(value: str | None) -> int:
    """The version an `If-Match` header names (`3`, `"3"` or `W/"3"`); 428 without one."""
    if value is None:
        raise PreconditionRequired(
            "an 'If-Match: <version>' header is required: send the version you read"
        )
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise VersionMismatch(f"If-Match must be a gateway version (a number), not {value!r}")
    return int(text)


# -- routes ------------------------------------------------------------------------------------


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in (401, *statuses)}


_ETAG = {"ETag": {"description": "The gateway's version, quoted.", "schema": {"type": "string"}}}


def _json_body(model_name: str, description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model_name}"}}
            },
        }
    }


router = APIRouter(dependencies=[Depends(_storable_parameters)])


@router.get("/healthz", response_model=Health, tags=["health"])
def healthz() -> Health:
    """Liveness: answers without a token."""
    return Health(status="ok")


@router.get(f"{API}/providers", response_model=list[ProviderOut], responses=_errors())
def providers(store: Store, _caller: Caller) -> list[ProviderOut]:
    """The gateway companies, their credential fields and JSON Schemas."""
    return store.list_providers()


@router.get(f"{API}/gateways", response_model=GatewayPage, responses=_errors(422))
def list_gateways(
    store: Store,
    _caller: Caller,
    provider: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Gateways ordered by key, a page at a time."""
    page = store.list_gateways_json(
        provider=provider or None, status=status or None, limit=limit, cursor=cursor or None
    )
    return Response(page, media_type="application/json")


@router.get(
    f"{API}/gateways/{{key}}",
    response_model=GatewayOut,
    responses={200: {"headers": _ETAG}, **_errors(404)},
)
def get_gateway(store: Store, _caller: Caller, key: str, response: Response) -> GatewayOut:
    """One gateway; its version also as ETag."""
    gateway = store.get_gateway(key)
    response.headers["ETag"] = f'"{gateway.version}"'
    return gateway


@router.post(
    f"{API}/gateways",
    status_code=201,
    response_model=GatewayOut,
    responses={
        201: {"headers": {**_ETAG, "Location": {"schema": {"type": "string"}}}},
        **_errors(403, 409, 413, 422),
    },
    openapi_extra=_json_body("GatewayWrite", "The new gateway, with its key."),
)
def create_gateway(
    store: Store,
    context: Writer,
    body: RawBody,
    response: Response,
) -> GatewayOut:
    """Create a gateway (every credential required)."""
    gateway = store.create_gateway(body, context)
    response.headers["ETag"] = f'"{gateway.version}"'
    response.headers["Location"] = f"{API}/gateways/{gateway.key}"
    return gateway


@router.put(
    f"{API}/gateways/{{key}}",
    response_model=GatewayOut,
    responses={200: {"headers": _ETAG}, **_errors(403, 404, 409, 412, 413, 422, 428)},
    openapi_extra=_json_body("GatewayWrite", "The gateway's new state."),
)
def update_gateway(
    store: Store,
    context: Writer,
    key: str,
    body: RawBody,
    response: Response,
    if_match: Annotated[str | None, Header(description="The version you read.")] = None,
) -> GatewayOut:
    """Update a gateway; credentials, logo, managed_by, protect left out are kept."""
    gateway = store.update_gateway(key, body, if_version=parse_if_match(if_match), context=context)
    response.headers["ETag"] = f'"{gateway.version}"'
    return gateway


@router.delete(
    f"{API}/gateways/{{key}}",
    status_code=204,
    response_class=Response,
    responses=_errors(403, 404, 409, 412, 428),
)
def delete_gateway(
    store: Store,
    context: Writer,
    key: str,
    if_match: Annotated[str | None, Header(description="The version you read.")] = None,
) -> Response:
    """Delete a gateway."""
    store.delete_gateway(key, if_version=parse_if_match(if_match), context=context)
    return Response(status_code=204)


@router.get(
    f"{API}/gateways/{{key}}/credentials",
    response_model=dict[str, str],
    responses=_errors(403, 404),
)
def read_credentials(
    store: Store,
    context: Writer,
    key: str,
) -> JSONResponse:
    """Admin only: the credentials in clear. Every call is audited (credentials_read)."""
    values = store.read_credentials(key, context)
    return JSONResponse(values, headers={"Cache-Control": "no-store"})


@router.put(
    f"{API}/gateways/{{key}}/logo",
    response_model=GatewayOut,
    responses={200: {"headers": _ETAG}, **_errors(403, 404, 409, 412, 413, 422, 428)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/png", "image/jpeg")
            },
        }
    },
)
async def put_logo(
    store: Store,
    context: Writer,
    key: str,
    request: Request,
    response: Response,
    content_type: Annotated[str | None, Header()] = None,
    if_match: Annotated[str | None, Header(description="The version you read.")] = None,
) -> GatewayOut:
    """Replace the logo: the raw PNG or JPEG body (≤ 256 KiB) with its Content-Type."""
    version = parse_if_match(if_match)
    media_type = (content_type or "").split(";")[0].strip().lower() or None
    logo = parse_logo(await request.body(), media_type)
    gateway = await run_in_threadpool(
        store.set_logo, key, logo, if_version=version, context=context
    )
    response.headers["ETag"] = f'"{gateway.version}"'
    return gateway


@router.get(
    f"{API}/gateways/{{key}}/logo",
    response_class=Response,
    responses={
        200: {
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/png", "image/jpeg")
            },
            "headers": {"X-Content-Type-Options": {"schema": {"type": "string"}}},
        },
        **_errors(404),
    },
)
def get_logo(store: Store, _caller: Caller, key: str) -> Response:
    """The logo's bytes with their content type (404 when the gateway has none)."""
    logo = store.get_logo(key)
    if logo is None:
        raise NotFound(f"gateway '{key}' has no logo")
    return Response(
        logo.data,
        media_type=logo.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{logo.sha256}"',
            "Content-Security-Policy": "default-src 'none'",
            "Cache-Control": "private, max-age=60",
        },
    )


@router.post(
    f"{API}/changesets",
    response_model=ChangesetResult,
    responses={
        200: {"headers": {"Idempotency-Replayed": {"schema": {"type": "string"}}}},
        **_errors(403, 404, 409, 412, 413, 422),
    },
    openapi_extra=_json_body("ChangesetRequest", "The operations, applied all or nothing."),
)
def apply_changeset(
    store: Store,
    context: Writer,
    body: RawBody,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=HEADER_MAX)],
) -> JSONResponse:
    """Apply operations in one transaction; the same Idempotency-Key applies once."""
    result = store.apply_changeset(body, idempotency_key=idempotency_key, context=context)
    replayed = {"Idempotency-Replayed": "true" if result.replayed else "false"}
    return JSONResponse(result.body, status_code=result.status_code, headers=replayed)


@router.get(f"{API}/lock", response_model=LockStatus, responses=_errors())
def get_lock(store: Store, _caller: Caller) -> LockStatus:
    """Whether the apply lock is held, and by whom."""
    lock = store.get_lock()
    return LockStatus(held=lock is not None, lock=lock)


@router.post(
    f"{API}/lock", status_code=201, response_model=LockOut, responses=_errors(403, 409, 422)
)
def acquire_lock(
    store: Store,
    context: Writer,
    request: LockRequest,
) -> LockOut:
    """Take the apply lock; 409 lock_held while another unexpired lock exists."""
    return store.acquire_lock(request, context)


@router.delete(
    f"{API}/lock/{{lock_id}}",
    status_code=204,
    response_class=Response,
    responses=_errors(403, 404),
)
def release_lock(
    store: Store,
    context: Writer,
    lock_id: str,
) -> Response:
    """Release one's own lock."""
    store.release_lock(lock_id, context)
    return Response(status_code=204)


@router.delete(f"{API}/lock", status_code=204, response_class=Response, responses=_errors(403, 422))
def force_release_lock(
    store: Store,
    context: Writer,
    force: Annotated[bool, Query(description="Must be true.")] = False,
) -> Response:
    """Admin: release whatever lock is held (force=true). Audited."""
    if not force:
        raise ValidationFailed(
            "add force=true to release a lock you do not hold",
            [{"parameter": "force", "message": "must be true"}],
        )
    store.force_release_lock(context)
    return Response(status_code=204)


@router.get(f"{API}/audit", response_model=AuditPage, responses=_errors(422))
def list_audit(
    store: Store,
    _caller: Caller,
    key: Annotated[str | None, Query(max_length=63)] = None,
    actor: Annotated[str | None, Query(max_length=HEADER_MAX)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    """Audit entries, oldest first."""
    if since is not None and since.tzinfo is None:
        raise ValidationFailed(
            "since must carry a time zone, e.g. 2026-11-24T19:12:04Z",
            [{"parameter": "since", "message": "add a time zone (Z for UTC)"}],
        )
    return store.list_audit(
        key=key or None,
        actor=actor or None,
        action=action or None,
        since=since,
        limit=limit,
        cursor=cursor or None,
    )


@router.get(f"{API}/audit/verify", response_model=AuditVerification, responses=_errors())
def verify_audit(store: Store, _caller: Caller) -> AuditVerification:
    """Recompute the hash chain; name the first broken entry."""
    return store.verify_audit()
