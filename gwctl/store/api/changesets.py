"""`/changesets`: several operations applied in one transaction, once per Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from gwctl.store.api.deps import HEADER_MAX, RawBody, Store, Writer
from gwctl.store.api.responses import errors, json_body
from gwctl.store.models import ChangesetResult

router = APIRouter(prefix="/changesets")


@router.post(
    "",
    response_model=ChangesetResult,
    responses={
        200: {"headers": {"Idempotency-Replayed": {"schema": {"type": "string"}}}},
        **errors(403, 404, 409, 412, 413, 422, protected=True),
    },
    openapi_extra=json_body("ChangesetRequest", "The operations, applied all or nothing."),
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
