"""The store's own check of its audit log: the chain, its newest signed checkpoint, its head.

Run inside one read transaction, so unlike a client it sees the log and its checkpoints at
one moment: a checkpoint beyond the log's end, or a head that is not the last entry, means
entries were deleted from the end.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gwctl.core.audit_chain import Broken, ChainVerdict, PublicKey, verify_log
from gwctl.store import audit, checkpoints
from gwctl.store.db import SINGLETON_ID, AuditHeadRow
from gwctl.store.models import AuditVerification, BrokenEntry


def verify(session: Session, key: PublicKey) -> AuditVerification:
    stored = checkpoints.all_checkpoints(session)
    verdict = verify_log(audit.stored_entries(session), stored, key)
    if not verdict.problems:
        verdict.problems.extend(_truncation(session, verdict, stored[-1].seq if stored else 0))
    return _out(verdict)


def _truncation(session: Session, verdict: ChainVerdict, last_signed: int) -> list[Broken]:
    head = session.get(AuditHeadRow, SINGLETON_ID)
    end = verdict.entries
    if last_signed > end:
        return [
            Broken(
                end + 1,
                f"a checkpoint was signed at entry {last_signed} but the log ends at entry "
                f"{end}: entries were deleted from the end",
            )
        ]
    if head is not None and head.seq != end:
        return [
            Broken(
                end + 1,
                f"the chain's head is at entry {head.seq} but the log ends at entry {end}: "
                "entries were deleted from the end",
            )
        ]
    return []


def _out(verdict: ChainVerdict) -> AuditVerification:
    problems = [
        BrokenEntry(seq=problem.seq, reason=problem.reason)
        for problem in sorted(verdict.problems, key=lambda problem: problem.seq)
    ]
    return AuditVerification(
        ok=verdict.ok,
        entries=verdict.entries,
        first_broken=problems[0] if problems else None,
        problems=problems,
        checkpoint_seq=verdict.checkpoint_seq,
    )
