"""`gwctl audit verify` at scale: 100,000 entries, beside a plain SHA-256 pass over the same bytes.

The target (issue 12): verifying 100,000 entries takes ≤ 2 s on these 2 cores. Measured three
ways: the verification itself (gwctl.core.audit_chain over entries in memory: every hash
recomputed, the newest checkpoint's signature checked), the baseline (SHA-256 of each
entry's canonical JSON and nothing else: the least any verification must do), and the
whole `gwctl audit verify` against a real embedded store holding that log (HTTP pages of
1,000 entries and every checkpoint read through the API, then the same verification).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.measure import run
from gwctl.core.audit_chain import Checkpoint, canonical_json, entry_hash, judge, walk_chain
from gwctl.store import audit, checkpoints
from gwctl.store.db import AuditHeadRow, AuditRow, CheckpointRow, read_transaction
from gwctl.store.server import create_admin_token
from gwctl.store.service import GatewayStore

ENTRIES = 100_000
ENTRIES_PER_WRITE = 10  # a checkpoint per write; a changeset writes several entries
BUDGET_S = 2.0


def audit_benchmark(work: Path, env: dict[str, str], gwctl: str) -> dict[str, Any]:
    root = work / "audit"
    (root / ".gwctl").mkdir(parents=True)
    database = f"sqlite:///{root / '.gwctl' / 'store.sqlite3'}"
    create_admin_token(database, "bench")  # the store, its keys, its first entry
    store = GatewayStore.open(database)
    try:
        _extend(store)
        entries, signed = read_transaction(store.engine, _read_log)
        key = store.signer.public_key
    finally:
        store.close()
    assert judge(walk_chain(entries), signed, key).ok
    baseline = _best(lambda: _sha256_only(entries))
    verify = _best(lambda: judge(walk_chain(entries), signed, key))
    whole = min(_gwctl_verify(gwctl, root, env) for _ in range(3))
    return {
        "entries": len(entries),
        "checkpoints": len(signed),
        "sha256_only_s": round(baseline, 3),
        "verify_s": round(verify, 3),
        "verify_over_sha256": round(verify / baseline, 1),
        "gwctl_audit_verify_s": round(whole, 2),
        "budget_s": BUDGET_S,
        "within_budget": verify <= BUDGET_S,
    }


def summary(result: dict[str, Any]) -> str:
    verdict = "within" if result["within_budget"] else "OVER"
    return (
        f"audit verify of {result['entries']:,} entries: {result['verify_s']} s "
        f"({result['verify_over_sha256']}× a plain SHA-256 pass, {result['sha256_only_s']} s; "
        f"{verdict} the {result['budget_s']} s budget); the whole `gwctl audit verify` through "
        f"the API: {result['gwctl_audit_verify_s']} s"
    )


def _extend(store: GatewayStore) -> None:
    """The log grown to ENTRIES entries, signed every ENTRIES_PER_WRITE, written in bulk as
    the store would have over years of writes."""
    head = store.latest_checkpoint()
    assert head is not None
    entries: list[dict[str, Any]] = []
    signed: list[Checkpoint] = []
    prev = head.hash
    for seq in range(head.seq + 1, ENTRIES + 1):
        entry = _entry(seq, prev)
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)
        if seq % ENTRIES_PER_WRITE == 0 or seq == ENTRIES:
            signed.append(store.signer.sign(seq, prev, entry["at"]))
    _insert(store, entries, signed)


def _read_log(session: Session) -> tuple[list[dict[str, Any]], list[Checkpoint]]:
    return list(audit.stored_entries(session)), checkpoints.all_checkpoints(session)


def _entry(seq: int, prev: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": f"2026-{1 + seq % 12:02d}-{1 + seq % 28:02d}T10:{seq % 60:02d}:00Z",
        "actor": f"ci:github:acme/gateways#{seq // 10}",
        "token_name": "ci",
        "action": "update",
        "key": f"infobip-{seq % 5000:05d}",
        "fields": ["description", "credentials.api_key"],
        "source_commit": hashlib.sha1(str(seq).encode()).hexdigest(),  # noqa: S324 - sample
        "plan_id": f"plan-{seq // 10}",
        "changeset_id": f"cs-{seq // 10}",
        "details": {"managed_by": "gwctl"},
        "prev_hash": prev,
    }


def _insert(store: GatewayStore, entries: list[dict[str, Any]], signed: list[Checkpoint]) -> None:
    rows = [
        {
            **entry,
            "at": datetime.fromisoformat(entry["at"]),
            "fields": json.dumps(entry["fields"]),
            "details": canonical_json(entry["details"]).decode(),
        }
        for entry in entries
    ]
    heads = [{n: v for n, v in c.to_dict().items() if n != "format"} for c in signed]
    with store.engine.begin() as connection:
        connection.execute(sa.insert(AuditRow), rows)
        connection.execute(sa.insert(CheckpointRow), heads)
        connection.execute(
            sa.update(AuditHeadRow).values(seq=entries[-1]["seq"], hash=entries[-1]["hash"])
        )


def _sha256_only(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        hashlib.sha256(canonical_json({k: v for k, v in entry.items() if k != "hash"})).digest()


def _best(once: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
    return min(times)


def _gwctl_verify(gwctl: str, root: Path, env: dict[str, str]) -> float:
    measured = run([gwctl, "-C", str(root), "audit", "verify"], env)
    if measured.returncode != 0:
        raise RuntimeError(f"gwctl audit verify failed: {measured.stderr.decode()}")
    return measured.wall_s
