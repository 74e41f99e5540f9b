"""The audit log: append hash-chained entries, list them, read them back for verification.

Each entry's `hash` is gwctl.core.audit_chain.entry_hash: SHA-256 over the canonical JSON of
the entry, chained by `prev_hash`. The chain's head (last seq and hash) lives in the
`audit_head` row, which every write transaction locks first (gwctl.store.db.write_transaction),
so entries from concurrent processes form one chain; the transaction signs the head it leaves
(gwctl.store.checkpoints). Entries name changed fields, never credential values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwctl.core.audit_chain import canonical_json, entry_hash
from gwctl.store.context import WriteContext
from gwctl.store.db import (
    AUDIT_START,
    SINGLETON_ID,
    AuditHeadRow,
    AuditRow,
    now_utc,
)
from gwctl.store.models import AuditEntryOut, AuditPage
from gwctl.store.paging import decode_seq_cursor, encode_cursor, rfc3339
from gwctl.store.validation import check_key

ACTIONS = (
    "create",
    "update",
    "rename",
    "delete",
    "unprotect",
    "credentials_read",
    "connection_test",
    "lock_acquire",
    "lock_release",
    "lock_forced_release",
    "token_create",
    "token_revoke",
    "store_restore",
    "token_new_address",
    "user_create",
    "user_disable",
    "user_enable",
    "user_role",
    "password_reset",
    "password_change",
    "signin",
    "signin_failed",
    "signin_locked",
    "key_rotate",
)
_VERIFY_BATCH = 1000


def append(
    session: Session,
    context: WriteContext,
    action: str,
    key: str | None,
    *,
    fields: Sequence[str] = (),
    details: Mapping[str, Any] | None = None,
    changeset_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntryOut:
    """Append one entry to the chain, inside the caller's write transaction."""
    assert action in ACTIONS, action
    head = session.get(AuditHeadRow, SINGLETON_ID, with_for_update=True)
    assert head is not None, "audit_head row missing: the database was not migrated"
    session.info.setdefault(AUDIT_START, (head.seq, head.hash))  # signed at commit (db.py)
    moment = at or now_utc()
    entry: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": rfc3339(moment),
        "actor": context.actor,
        "token_name": context.token_name,
        "action": action,
        "key": key,
        "fields": list(fields),
        "source_commit": context.source_commit,
        "plan_id": context.plan_id,
        "changeset_id": changeset_id,
        "details": dict(details or {}),
        "prev_hash": head.hash,
    }
    entry["hash"] = entry_hash(entry)
    session.add(_row(entry, moment))
    head.seq, head.hash = entry["seq"], entry["hash"]
    session.flush()
    return AuditEntryOut.model_validate(entry)


def _row(entry: Mapping[str, Any], at: datetime) -> AuditRow:
    return AuditRow(
        seq=entry["seq"],
        at=at,
        actor=entry["actor"],
        token_name=entry["token_name"],
        action=entry["action"],
        key=entry["key"],
        fields=json.dumps(entry["fields"]),
        source_commit=entry["source_commit"],
        plan_id=entry["plan_id"],
        changeset_id=entry["changeset_id"],
        details=canonical_json(entry["details"]).decode(),
        prev_hash=entry["prev_hash"],
        hash=entry["hash"],
    )


def to_entry(row: AuditRow) -> dict[str, Any]:
    """An entry as the API shows it (and as its hash covers it)."""
    return {
        "seq": row.seq,
        "at": rfc3339(row.at),
        "actor": row.actor,
        "token_name": row.token_name,
        "action": row.action,
        "key": row.key,
        "fields": json.loads(row.fields),
        "source_commit": row.source_commit,
        "plan_id": row.plan_id,
        "changeset_id": row.changeset_id,
        "details": json.loads(row.details),
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def list_entries(
    session: Session,
    *,
    key: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> AuditPage:
    """Entries oldest first, filtered; `next_cursor` continues after the last one."""
    query = select(AuditRow).order_by(AuditRow.seq).limit(limit + 1)
    if key is not None:
        if check_key(key):  # not a key at all: nothing can match (and MariaDB's ASCII
            return AuditPage(items=[], next_cursor=None)  # column would refuse it)
        query = query.where(AuditRow.key == key)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    if action is not None:
        query = query.where(AuditRow.action == action)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if cursor is not None:
        query = query.where(AuditRow.seq > decode_seq_cursor(cursor))
    rows = list(session.scalars(query))
    items = [AuditEntryOut.model_validate(to_entry(row)) for row in rows[:limit]]
    more = len(rows) > limit
    return AuditPage(items=items, next_cursor=encode_cursor(str(items[-1].seq)) if more else None)


def stored_entries(session: Session) -> Iterator[dict[str, Any]]:
    """Every entry, oldest first, a batch at a time. An entry whose stored fields no longer
    parse comes out without them, so that its hash cannot match."""
    last = 0
    while True:
        query = select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq)
        rows = list(session.scalars(query.limit(_VERIFY_BATCH)))
        if not rows:
            return
        for row in rows:
            try:
                yield to_entry(row)
            except ValueError:
                yield {"seq": row.seq, "prev_hash": row.prev_hash, "hash": row.hash}
        last = rows[-1].seq
