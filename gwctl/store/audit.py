"""The audit log: append hash-chained entries, list them, verify the chain.

Each entry's `hash` is SHA-256 over the canonical JSON (keys sorted, no spaces, UTF-8) of the
entry without `hash`, including `prev_hash`, the previous entry's hash (64 zeros for the
first). The chain's head (last seq and hash) lives in the `audit_head` row, which every write
transaction locks first (gwctl.store.db.write_transaction), so entries from concurrent
processes form one chain. Entries name changed fields, never credential values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gwctl.store.context import WriteContext
from gwctl.store.db import GENESIS_HASH, SINGLETON_ID, AuditHeadRow, AuditRow, now_utc
from gwctl.store.models import AuditEntryOut, AuditPage, AuditVerification, BrokenEntry
from gwctl.store.paging import decode_cursor, encode_cursor, invalid_cursor, rfc3339
from gwctl.store.validation import check_key

ACTIONS = (
    "create",
    "update",
    "rename",
    "delete",
    "credentials_read",
    "connection_test",
    "lock_acquire",
    "lock_release",
    "lock_forced_release",
    "token_create",
    "token_revoke",
)
_VERIFY_BATCH = 1000


def canonical_json(value: Any) -> bytes:
    """The bytes an entry's hash is computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an entry as the API shows it, without its `hash`."""
    content = {name: value for name, value in entry.items() if name != "hash"}
    return hashlib.sha256(canonical_json(content)).hexdigest()


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
        query = query.where(AuditRow.seq > _cursor_seq(cursor))
    rows = list(session.scalars(query))
    items = [AuditEntryOut.model_validate(to_entry(row)) for row in rows[:limit]]
    more = len(rows) > limit
    return AuditPage(items=items, next_cursor=encode_cursor(str(items[-1].seq)) if more else None)


def _cursor_seq(cursor: str) -> int:
    position = decode_cursor(cursor)
    if not position.isdigit():
        raise invalid_cursor()
    return int(position)


def verify(session: Session) -> AuditVerification:
    """Recompute the chain; report the first entry that breaks it and why."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for rows in _batches(session):
        for row in rows:
            broken = _check(row, expected_seq, prev_hash)
            if broken is not None:
                return _broken(session, row.seq, broken)
            expected_seq, prev_hash, count = row.seq + 1, row.hash, count + 1
    head = session.get(AuditHeadRow, SINGLETON_ID)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return AuditVerification(
            ok=False,
            entries=count,
            first_broken=BrokenEntry(
                seq=expected_seq,
                reason=f"the chain's head is at seq {head.seq} but the log ends at "
                f"seq {expected_seq - 1}: entries were deleted from the end",
            ),
        )
    return AuditVerification(ok=True, entries=count, first_broken=None)


def _batches(session: Session) -> Iterable[list[AuditRow]]:
    last = 0
    while True:
        query = select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq)
        rows = list(session.scalars(query.limit(_VERIFY_BATCH)))
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def _check(row: AuditRow, expected_seq: int, prev_hash: str) -> str | None:
    if row.seq != expected_seq:
        return f"entries {expected_seq} to {row.seq - 1} are missing"
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    try:
        entry = to_entry(row)
    except ValueError:
        return "the entry's stored fields are not valid JSON: it was changed after it was written"
    if entry_hash(entry) != row.hash:
        return "the hash does not match the entry's content: it was changed after it was written"
    return None


def _broken(session: Session, seq: int, reason: str) -> AuditVerification:
    total = session.scalar(select(func.count()).select_from(AuditRow)) or 0
    return AuditVerification(
        ok=False, entries=int(total), first_broken=BrokenEntry(seq=seq, reason=reason)
    )
