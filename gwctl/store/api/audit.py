"""`/audit`: the append-only, hash-chained audit log, a page at a time, and its verification."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from gwctl.store.api.deps import HEADER_MAX, Caller, Store
from gwctl.store.api.responses import errors
from gwctl.store.audit import ACTIONS
from gwctl.store.errors import ValidationFailed
from gwctl.store.models import AuditPage, AuditVerification

router = APIRouter(prefix="/audit")
DATE_TIME = {"format": "date-time"}
# RFC 3339 date-time; without the zone only to say that it is missing.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?")


@router.get("", response_model=AuditPage, responses=errors(422))
def list_audit(
    store: Store,
    _caller: Caller,
    key: Annotated[str | None, Query(max_length=63)] = None,
    actor: Annotated[str | None, Query(max_length=HEADER_MAX)] = None,
    action: Annotated[str | None, Query(max_length=32, description="An audit action.")] = None,
    since: Annotated[str | None, Query(max_length=64, json_schema_extra=DATE_TIME)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    """Audit entries, oldest first."""
    if action is not None and action not in ACTIONS:
        raise ValidationFailed(
            f"'action' must be one of: {', '.join(ACTIONS)}",
            [{"parameter": "action", "message": "not an audit action"}],
        )
    return store.list_audit(
        key=key or None,
        actor=actor or None,
        action=action,
        since=None if since is None else _moment(since),
        limit=limit,
        cursor=cursor or None,
    )


@router.get("/verify", response_model=AuditVerification, responses=errors())
def verify_audit(store: Store, _caller: Caller) -> AuditVerification:
    """Recompute the hash chain; name the first broken entry."""
    return store.verify_audit()


def _moment(text: str) -> datetime:
    """An RFC 3339 time with its time zone (`2026-11-24T19:12:04Z`), else 422."""
    moment = None
    if _RFC3339.fullmatch(text):
        with suppress(ValueError):
            moment = datetime.fromisoformat(text.upper())
    if moment is None:
        raise ValidationFailed(
            "since must be an RFC 3339 time, e.g. 2026-11-24T19:12:04Z",
            [{"parameter": "since", "message": "not an RFC 3339 date-time"}],
        )
    if moment.tzinfo is None:
        raise ValidationFailed(
            "since must carry a time zone, e.g. 2026-11-24T19:12:04Z",
            [{"parameter": "since", "message": "add a time zone (Z for UTC)"}],
        )
    return moment
