"""`gwctl store backup` and `restore` at scale: 10,000 gateways, each with its logo and
encrypted credentials, written by 10 changesets (so the audit log has 10,000 entries and
its signed checkpoints), backed up from SQLite and restored into SQLite and PostgreSQL.

Timed in this process, from the call to the return: the backup (snapshot read, archive
written and signed, fsynced) and each restore (archive verified, database migrated, every
row loaded, the audit chain and every ciphertext checked, committed). PostgreSQL comes from
GWCTL_BENCH_POSTGRES_URL (default: the development machine's server); when it does not
answer, that figure is reported as skipped.

The baseline, run side by side on the same file: SQLite's own online backup of the source
database (`sqlite3.Connection.backup`), a page-by-page copy that verifies, signs and
converts nothing, the least a consistent copy of the store costs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from bench.scratch_db import scratch_postgres
from gwctl.store.backup import backup_store
from gwctl.store.context import Principal, WriteContext
from gwctl.store.restore import restore_store
from gwctl.store.service import GatewayStore

ACCOUNTS = 10_000
PER_CHANGESET = 1_000
_LOGO = (
    Path(__file__).resolve().parent.parent / "gateways.d" / "logos" / "infobip.png"
).read_bytes()


def backup_benchmark(work: Path, accounts: int = ACCOUNTS) -> dict[str, Any]:
    root = work / "backup"
    key_file = root / "keys" / "store.key"
    source_file = root / "source" / "store.sqlite3"
    source = f"sqlite:///{source_file}"
    _fill(source, key_file, accounts)
    baseline_s = _sqlite_copy_seconds(source_file, root / "baseline.sqlite3")
    archive = root / "store.gwbackup"
    started, cpu = time.perf_counter(), time.process_time()
    summary = backup_store(source, archive, key_file=key_file)
    result: dict[str, Any] = {
        "gateways": summary.rows("gateways"),
        "audit_entries": summary.rows("audit_log"),
        "archive_mb": round(archive.stat().st_size / 1e6, 1),
        "backup_s": round(time.perf_counter() - started, 2),
        "backup_cpu_s": round(time.process_time() - cpu, 2),
        "sqlite_copy_s": baseline_s,
    }
    target = f"sqlite:///{root / 'target' / 'store.sqlite3'}"
    result["restore_sqlite_s"], result["restore_sqlite_cpu_s"] = _timed_restore(
        archive, target, key_file
    )
    with _postgres_database() as url:
        timed = (None, None) if url is None else _timed_restore(archive, url, key_file)
        result["restore_postgresql_s"], result["restore_postgresql_cpu_s"] = timed
    return result


def summary(result: dict[str, Any]) -> str:
    postgres = result["restore_postgresql_s"]
    into_postgres = (
        f"{postgres} s ({result['restore_postgresql_cpu_s']} s CPU)"
        if postgres is not None
        else "skipped (server not reachable)"
    )
    baseline = result["sqlite_copy_s"]
    return (
        f"backup of {result['gateways']:,} gateways ({result['audit_entries']:,} audit entries, "
        f"archive {result['archive_mb']} MB): {result['backup_s']} s "
        f"({result['backup_cpu_s']} s CPU, {_times(result['backup_s'], baseline)} SQLite's own "
        f"copy of the file, {baseline} s); restore into SQLite {result['restore_sqlite_s']} s "
        f"({result['restore_sqlite_cpu_s']} s CPU), into PostgreSQL {into_postgres}"
    )


def _times(seconds: float, baseline: float) -> str:
    return f"{seconds / baseline:.1f}×" if baseline else "∞×"


def _sqlite_copy_seconds(source: Path, copy: Path) -> float:
    """Wall seconds of SQLite's online backup of `source` into `copy`."""
    started = time.perf_counter()
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(copy)) as writing:
        reading.backup(writing)
    return round(time.perf_counter() - started, 3)


def _fill(database_url: str, key_file: Path, accounts: int) -> None:
    store = GatewayStore.open(database_url, key_file=key_file)
    context = WriteContext.for_principal(Principal("bench", "admin"), actor="bench")
    digest = hashlib.sha256(_LOGO).hexdigest()
    logos = {digest: {"content_type": "image/png", "data": base64.b64encode(_LOGO).decode()}}
    try:
        for start in range(0, accounts, PER_CHANGESET):
            operations = [
                {"op": "create", "gateway": _gateway(index, digest)}
                for index in range(start, min(start + PER_CHANGESET, accounts))
            ]
            body = {"operations": operations, "logos": logos}
            store.apply_changeset(body, idempotency_key=secrets.token_hex(8), context=context)
    finally:
        store.close()


def _gateway(index: int, logo_sha256: str) -> dict[str, Any]:
    return {
        "key": f"gw-{index:05d}-infobip",
        "provider": "infobip",
        "name": f"Bench Infobip {index:05d}",
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "description": f"benchmark account number {index}",
        "credentials": {"api_key": secrets.token_hex(16), "secret_key": secrets.token_hex(16)},
        "logo": {"sha256": logo_sha256},
        "managed_by": "gwctl",
    }


def _timed_restore(archive: Path, database_url: str, key_file: Path) -> tuple[float, float]:
    """Wall and CPU seconds of this process (the database server's CPU is not in it)."""
    started, cpu = time.perf_counter(), time.process_time()
    restore_store(archive, database_url, key_file=key_file)
    return round(time.perf_counter() - started, 2), round(time.process_time() - cpu, 2)


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A new PostgreSQL database for the restore (dropped afterwards), or None."""
    with scratch_postgres("gwctl_bench_backup") as url:
        yield url
