"""`gwctl store backup` and `restore` at scale: 10,000 gateways, each with its logo and
encrypted credentials, written by 10 changesets (so the audit log has 10,000 entries and
its signed checkpoints), backed up from SQLite and restored into SQLite and PostgreSQL.

Timed in this process, from the call to the return: the backup (snapshot read, archive
written and signed, fsynced) and each restore (archive verified, database migrated, every
row loaded, the audit chain and every ciphertext checked, committed). PostgreSQL comes from
GWCTL_BENCH_POSTGRES_URL (default: the development machine's server); when it does not
answer, that figure is reported as skipped.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gwctl.store.backup import backup_store
from gwctl.store.context import Principal, WriteContext
from gwctl.store.restore import restore_store
from gwctl.store.service import GatewayStore

ACCOUNTS = 10_000
PER_CHANGESET = 1_000
POSTGRES_ENV = "GWCTL_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_LOGO = (
    Path(__file__).resolve().parent.parent / "gateways.d" / "logos" / "infobip.png"
).read_bytes()


def backup_benchmark(work: Path, accounts: int = ACCOUNTS) -> dict[str, Any]:
    root = work / "backup"
    key_file = root / "keys" / "store.key"
    source = f"sqlite:///{root / 'source' / 'store.sqlite3'}"
    _fill(source, key_file, accounts)
    archive = root / "store.gwbackup"
    started = time.perf_counter()
    summary = backup_store(source, archive, key_file=key_file)
    backup_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "gateways": summary.rows("gateways"),
        "audit_entries": summary.rows("audit_log"),
        "archive_mb": round(archive.stat().st_size / 1e6, 1),
        "backup_s": round(backup_s, 2),
        "restore_sqlite_s": round(
            _timed_restore(archive, f"sqlite:///{root / 'target' / 'store.sqlite3'}", key_file),
            2,
        ),
    }
    with _postgres_database() as url:
        result["restore_postgresql_s"] = (
            None if url is None else round(_timed_restore(archive, url, key_file), 2)
        )
    return result


def summary(result: dict[str, Any]) -> str:
    postgres = result["restore_postgresql_s"]
    return (
        f"backup of {result['gateways']:,} gateways ({result['audit_entries']:,} audit entries, "
        f"archive {result['archive_mb']} MB): {result['backup_s']} s; restore into SQLite "
        f"{result['restore_sqlite_s']} s, into PostgreSQL "
        + (f"{postgres} s" if postgres is not None else "skipped (server not reachable)")
    )


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


def _timed_restore(archive: Path, database_url: str, key_file: Path) -> float:
    started = time.perf_counter()
    restore_store(archive, database_url, key_file=key_file)
    return time.perf_counter() - started


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A new PostgreSQL database for the restore (dropped afterwards), or None."""
    admin = sa.make_url(os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"gwctl_bench_backup_{secrets.token_hex(3)}"
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError:
        engine.dispose()
        yield None
        return
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        engine.dispose()
