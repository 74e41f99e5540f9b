"""`gwctl store backup`: the whole store, read in one snapshot, written as a signed archive.

Every table of the store's metadata is backed up except `EXCLUDED` (state that means nothing
outside the running store); a table the database holds that is in neither list stops the
backup, so a table added later is never silently left out. The rows are read in ONE read
transaction with snapshot semantics on every database (PostgreSQL REPEATABLE READ READ ONLY,
MariaDB START TRANSACTION WITH CONSISTENT SNAPSHOT, SQLite one read transaction on its WAL),
so the archive is the store at one moment even while servers keep writing. The backup never
writes to the store. Its archive (gwctl.store.archive) holds no key: the credential key and
the audit signing key are kept, and backed up, separately.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, inspect, select, text

from gwctl import __version__
from gwctl.store.archive import ArchiveWriter, TableEntry
from gwctl.store.db import create_store_engine, now_utc, sqlite_path
from gwctl.store.errors import StoreConfigError
from gwctl.store.key_files import from_environment, key_file_place
from gwctl.store.migrate import HEAD_REVISION
from gwctl.store.paging import rfc3339
from gwctl.store.signing import AuditSigner, signing_key_path
from gwctl.store.tables import store_metadata

# Tables left out, and why: each is state of the running store, not of the registry.
EXCLUDED: Mapping[str, str] = {
    "apply_lock": "the lock of an apply running against the old database; restored unlocked",
    "web_sessions": "signed-in browsers; people sign in again to the restored store",
    "auth_failures": "failed sign-in counters of the throttle; they expire within the hour",
    "idempotency_keys": "answers kept 24 hours for retried changesets (one can be as large as "
    "its 10,000 gateways); a retry after a restore is refused by the versions, never re-applied",
}
VERSION_TABLE = "alembic_version"  # not a table of the metadata: the manifest names it


def backed_up_tables() -> list[Table]:
    """The tables an archive holds, parents before children (the order restore loads)."""
    return [table for table in store_metadata().sorted_tables if table.name not in EXCLUDED]


@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote: the file, its tables and where the keys it needs are."""

    path: Path
    tables: list[TableEntry]
    key_file: Path | None  # None: the key is in $GWCTL_STORE_KEY
    signing_key_file: Path | None  # None: in $GWCTL_AUDIT_SIGNING_KEY
    # False: the store never stored a credential, so it never made a key (restore needs none)
    has_credential_key: bool

    def rows(self, table: str) -> int:
        return next(entry.rows for entry in self.tables if entry.name == table)


def backup_store(
    database_url: str, path: Path, *, key_file: Path | None = None, force: bool = False
) -> BackupSummary:
    """Write the store at `database_url` to the archive `path` (mode 0600; an existing file
    only with `force`), signed with the store's audit signing key (beside `key_file`)."""
    key_path = key_file_place(database_url, key_file)
    signing_path = signing_key_path(key_path)
    signer = AuditSigner.load(signing_path, may_create=False)
    database = sqlite_path(database_url)
    if database is not None and not database.exists():
        raise StoreConfigError(f"{database}: no such database file: nothing to back up")
    engine = create_store_engine(database_url)
    try:
        writer = ArchiveWriter(path, force=force)
        try:
            with snapshot(engine) as connection:
                _check_store(connection)
                for table in backed_up_tables():
                    writer.add_table(table, table_rows(connection, table))
            writer.finish(_manifest(engine), signer)
        except BaseException:
            writer.discard()
            raise
    finally:
        engine.dispose()
    if from_environment():
        return BackupSummary(path, writer.tables, None, signing_path, has_credential_key=True)
    made = key_path is not None and key_path.is_file()
    return BackupSummary(path, writer.tables, key_path, signing_path, has_credential_key=made)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read-only transaction that sees the database at one moment."""
    dialect = engine.dialect.name
    with engine.connect() as connection:
        if dialect == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        elif dialect in ("mysql", "mariadb"):
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        try:
            yield connection
        finally:
            connection.rollback()


def table_rows(connection: Connection, table: Table) -> Iterator[Mapping[str, Any]]:
    """The table's rows in primary-key order, a batch at a time."""
    query = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=500).execute(query)
    for row in result.mappings():
        yield dict(row)


def _check_store(connection: Connection) -> None:
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE not in tables:
        raise StoreConfigError("this database holds no gwctl store (no schema revision)")
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision != HEAD_REVISION:
        raise StoreConfigError(
            f"the store's database is at schema revision {revision}, this gwctl writes "
            f"{HEAD_REVISION}: back it up with the gwctl version that serves it, or start "
            "this version's server once (it migrates) and back up then"
        )
    known = {table.name for table in store_metadata().tables.values()} | {VERSION_TABLE}
    unknown = sorted(tables - known)
    if unknown:
        raise StoreConfigError(
            f"the database holds tables this gwctl does not know ({', '.join(unknown)}): "
            "nothing was backed up (a backup leaves nothing out silently)"
        )


def _manifest(engine: Engine) -> dict[str, Any]:
    return {
        "schema_revision": HEAD_REVISION,
        "created_at": rfc3339(now_utc()),
        "gwctl_version": __version__,
        "source_dialect": engine.dialect.name,
        "excluded": sorted(EXCLUDED),
    }
