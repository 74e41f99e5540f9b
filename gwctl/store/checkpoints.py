"""Signed checkpoints of the audit chain: the store signs its head in every write transaction.

Before it signs, it checks that the log still continues its last checkpoint (the same head,
the entry at that checkpoint still holding the signed hash, the signature its own): a log
rewritten in the database with recomputed hashes is never signed over; every write is refused
with `audit_broken` instead, until an operator has looked (`gwctl audit verify`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from gwctl.core.audit_chain import Checkpoint, check_chain
from gwctl.store import audit
from gwctl.store.db import (
    AUDIT_START,
    SINGLETON_ID,
    AuditHeadRow,
    AuditRow,
    CheckpointRow,
    now_utc,
    read_transaction,
    seal_audit_with,
    write_transaction,
)
from gwctl.store.errors import AuditBroken
from gwctl.store.paging import rfc3339
from gwctl.store.signing import AuditSigner

log = logging.getLogger(__name__)


def open_signer(engine: Engine, key_path: Path | None) -> AuditSigner:
    """The store's signer, bound to `engine`: every write transaction on it that appends to
    the log signs the new head. A log upgraded from before checkpoints gets its first one."""
    signed = read_transaction(engine, lambda s: s.scalar(select(exists(CheckpointRow.seq))))
    signer = AuditSigner.load(key_path, may_create=not signed)
    seal_audit_with(engine, lambda session: seal(session, signer))
    if not signed:
        _sign_unsigned_log(engine, signer)
    return signer


def seal(session: Session, signer: AuditSigner) -> None:
    """Sign the head this transaction leaves, if the log it started from is the signed one."""
    start_seq, start_hash = session.info[AUDIT_START]
    _check_continues(session, signer, start_seq, start_hash)
    head = session.get(AuditHeadRow, SINGLETON_ID)
    assert head is not None
    _add(session, signer.sign(head.seq, head.hash, rfc3339(now_utc())))


def latest(session: Session) -> Checkpoint | None:
    row = session.scalars(select(CheckpointRow).order_by(CheckpointRow.seq.desc()).limit(1)).first()
    return None if row is None else _checkpoint(row)


def page(session: Session, after: int, limit: int) -> list[Checkpoint]:
    """Checkpoints with seq > `after`, oldest first."""
    query = select(CheckpointRow).where(CheckpointRow.seq > after).order_by(CheckpointRow.seq)
    return [_checkpoint(row) for row in session.scalars(query.limit(limit))]


def all_checkpoints(session: Session) -> list[Checkpoint]:
    query = select(CheckpointRow).order_by(CheckpointRow.seq)
    return [_checkpoint(row) for row in session.scalars(query)]


def _check_continues(session: Session, signer: AuditSigner, seq: int, head_hash: str) -> None:
    last = latest(session)
    if last is None:
        if seq == 0:
            return
        raise AuditBroken(f"entries 1 to {seq} carry no signed checkpoint: {_LOOK}")
    entry_hash = session.scalar(select(AuditRow.hash).where(AuditRow.seq == last.seq))
    if (last.seq, last.hash) != (seq, head_hash) or entry_hash != last.hash:
        raise AuditBroken(
            f"the audit log no longer continues its checkpoint at entry {last.seq}: {_LOOK}"
        )
    if not signer.public_key.verifies(last):
        raise AuditBroken(
            f"the checkpoint at entry {last.seq} is not signed by this store's key: {_LOOK}"
        )


_LOOK = "the database was changed outside the store; writes are refused until it is " + (
    "investigated (gwctl audit verify)"
)


def _sign_unsigned_log(engine: Engine, signer: AuditSigner) -> None:
    """The first checkpoint of a log written before checkpoints existed: signed only if its
    chain is intact (nothing is vouched for that is already broken)."""

    def work(session: Session) -> None:
        head = session.get(AuditHeadRow, SINGLETON_ID)
        if head is None or head.seq == 0 or latest(session) is not None:
            return
        broken = check_chain(audit.stored_entries(session))
        if broken is not None:
            log.error("not signing the audit log: %s", broken)
            return
        _add(session, signer.sign(head.seq, head.hash, rfc3339(now_utc())))

    write_transaction(engine, work)


def _add(session: Session, checkpoint: Checkpoint) -> None:
    session.add(
        CheckpointRow(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            at=checkpoint.at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )
    )


def _checkpoint(row: CheckpointRow) -> Checkpoint:
    return Checkpoint(row.seq, row.hash, row.at, row.key_id, row.signature)
