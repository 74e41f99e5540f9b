"""The apply lock: one store-wide lock that gwctl apply holds while it writes.

The lock lives in the single `apply_lock` row. It is a lease: it expires `lease_seconds` after
it was taken or last renewed, and an expired lock counts as free, so a holder that dies frees
the store within one lease while a live one keeps it by renewing. Taking it is idempotent: a
request repeated with the same Idempotency-Key by the same token (its first answer lost) gets
the same lock back. While a lock is held, every write must carry its id (header
X-Gwctl-Lock) or is refused with `lock_held`; a write carrying the id of a lock that is gone
is refused with `lock_lost`. All functions run inside a write transaction
(gwctl.store.db.write_transaction), which serializes them across processes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gwctl.store import audit
from gwctl.store.context import WriteContext
from gwctl.store.db import SINGLETON_ID, ApplyLockRow, now_utc
from gwctl.store.errors import LockHeld, LockLost, NotFound
from gwctl.store.models import LockOut, LockRequest
from gwctl.store.paging import rfc3339


def _row(session: Session) -> ApplyLockRow:
    row = session.get(ApplyLockRow, SINGLETON_ID)
    assert row is not None, "apply_lock row missing: the database was not migrated"
    return row


def _to_out(row: ApplyLockRow) -> LockOut:
    assert row.lock_id is not None
    assert row.acquired_at is not None
    assert row.expires_at is not None
    return LockOut(
        id=row.lock_id,
        holder=row.holder or "",
        reason=row.reason,
        ci_job=row.ci_job,
        source_commit=row.source_commit,
        token_name=row.token_name,
        acquired_at=rfc3339(row.acquired_at),
        expires_at=rfc3339(row.expires_at),
        lease_seconds=row.lease_seconds or 0,
    )


def current(session: Session, now: datetime | None = None) -> LockOut | None:
    """The lock held now, or None when free (never taken, released or expired)."""
    row = _row(session)
    if row.lock_id is None or row.expires_at is None or row.expires_at <= (now or now_utc()):
        return None
    return _to_out(row)


def lock_held_error(lock: LockOut) -> LockHeld:
    """409 `lock_held` naming the holder; `details[0]` is the lock."""
    reason = f" ({lock.reason})" if lock.reason else ""
    return LockHeld(
        f"the apply lock is held by {lock.holder}{reason} since {lock.acquired_at}, until "
        f"{lock.expires_at}; wait for it, or release it with a forced release if it is stale",
        [lock.model_dump()],
    )


def ensure_may_write(session: Session, lock_id: str | None) -> None:
    """Refuse a write while a lock is held, unless the writer presents that lock's id; and a
    write that presents a lock which is gone: its writer planned under a lock it lost."""
    lock = current(session)
    if lock_id is not None and (lock is None or lock.id != lock_id):
        raise LockLost(
            "the apply lock this write presents is no longer held (it expired or was "
            "released by force): nothing was written; run the apply again"
        )
    if lock is not None and lock.id != lock_id:
        raise lock_held_error(lock)


def acquire(
    session: Session,
    request: LockRequest,
    context: WriteContext,
    idempotency_key: str | None = None,
) -> LockOut:
    """Take the lock, or raise LockHeld while another unexpired lock exists. The same request
    again (same token, Idempotency-Key and body) while its lock is held gets that lock back."""
    held = current(session)
    digest = _request_digest(request, context, idempotency_key)
    if held is not None:
        if digest is not None and _row(session).request_digest == digest:
            return held
        raise lock_held_error(held)
    now = now_utc()
    row = _row(session)
    row.lock_id = uuid.uuid4().hex
    row.holder = request.holder
    row.reason = request.reason
    row.ci_job = request.ci_job
    row.source_commit = request.source_commit
    row.token_name = context.token_name
    row.acquired_at = now
    row.lease_seconds = request.ttl_seconds
    row.expires_at = now + timedelta(seconds=request.ttl_seconds)
    row.request_digest = digest
    lock = _to_out(row)
    audit.append(session, context, "lock_acquire", None, details=_details(lock), at=now)
    return lock


def renew(session: Session, lock_id: str) -> LockOut:
    """Move the lock's expiry one lease past now. A lock that expired unnoticed is renewed as
    long as nobody took the store since; NotFound once it was released, forced or taken."""
    row = _row(session)
    if row.lock_id is None or row.lock_id != lock_id:
        raise NotFound("this lock is not the current apply lock (released, forced or taken over)")
    if row.lease_seconds:  # NULL: taken before leases existed, it keeps its expiry
        row.expires_at = now_utc() + timedelta(seconds=row.lease_seconds)
    return _to_out(row)


def _request_digest(
    request: LockRequest, context: WriteContext, idempotency_key: str | None
) -> str | None:
    if idempotency_key is None:
        return None
    body = json.dumps(request.model_dump(), sort_keys=True, separators=(",", ":"))
    framed = json.dumps([context.token_name, idempotency_key, body])
    return hashlib.sha256(framed.encode("utf-8")).hexdigest()


def release(session: Session, lock_id: str, context: WriteContext) -> None:
    """Release one's own lock; NotFound if `lock_id` is not the current lock."""
    row = _row(session)
    if row.lock_id is None or row.lock_id != lock_id:
        raise NotFound("this lock is not the current apply lock (released, forced or expired)")
    lock = _to_out(row)
    _clear(row)
    audit.append(session, context, "lock_release", None, details=_details(lock))


def force_release(session: Session, context: WriteContext) -> LockOut | None:
    """Release whatever lock is held (admin); returns it, or None if none was held."""
    lock = current(session)
    if lock is None:
        return None
    _clear(_row(session))
    audit.append(session, context, "lock_forced_release", None, details=_details(lock))
    return lock


def _clear(row: ApplyLockRow) -> None:
    row.lock_id = row.holder = row.reason = row.ci_job = row.source_commit = None
    row.token_name = row.request_digest = None
    row.acquired_at = row.expires_at = None
    row.lease_seconds = None


def _details(lock: LockOut) -> dict[str, str | None]:
    return {
        "lock_id": lock.id,
        "holder": lock.holder,
        "reason": lock.reason,
        "ci_job": lock.ci_job,
        "expires_at": lock.expires_at,
        "lease_seconds": str(lock.lease_seconds),
    }
