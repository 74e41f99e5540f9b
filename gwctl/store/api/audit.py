"""`/audit`: the append-only, hash-chained audit log, a page at a time, and its verification."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from gwctl.store.api.deps import HEADER_MAX, Caller, Store
from gwctl.store.api.responses import errors
from gwctl.store.errors import ValidationFailed
from gwctl.store.models import AuditPage, AuditVerification

router = APIRouter(prefix="/audit")


@router.get("", response_model=AuditPage, responses=errors(422))
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


@router.get("/verify", response_model=AuditVerification, responses=errors())
def verify_audit(store: Store, _caller: Caller) -> AuditVerification:
    """Recompute the hash chain; name the first broken entry."""
    return store.verify_audit()
