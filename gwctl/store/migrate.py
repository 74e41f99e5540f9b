"""Schema migrations of the store's database, run programmatically with Alembic.

`upgrade_database(url)` brings any supported database to the newest revision; every server
start calls it. Concurrent starts on one PostgreSQL or MariaDB database take turns through
an advisory lock, so two processes never run the same migration at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:  # Alembic is imported only when a migration runs (~100 ms of start-up)
    from alembic.config import Config

from gwctl.store.db import WRITE_OPTION, create_store_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0007"  # the newest revision (a test checks it against the scripts)
_ADVISORY_LOCK_ID = 7_311_052  # any constant shared by all gwctl processes
_LOCK_TIMEOUT_SECONDS = 120
_VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not change it


def alembic_config() -> Config:
    """An Alembic configuration pointing at the store's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` to `revision` (the newest by default)."""
    engine = create_store_engine(database_url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` to `revision`, serialized across processes."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return  # the common case at every start: nothing to do, no Alembic machinery
    with _migration_lock(engine):
        from alembic import command

        connection = engine.connect().execution_options(**{WRITE_OPTION: True})
        with connection, connection.begin():
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        try:  # the common case, read directly: one row in Alembic's version table
            if not inspect(connection).has_table(_VERSION_TABLE):
                return None
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            if len(rows) == 1:
                return str(rows[0][0])
        finally:
            connection.rollback()
        from alembic.runtime.migration import MigrationContext  # anything else: its rules

        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
        return revision


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    backend = engine.dialect.name
    if backend == "sqlite":  # BEGIN IMMEDIATE of the migration transaction serializes
        yield
        return
    with engine.connect() as connection:
        _acquire(connection, backend)
        try:
            yield
        finally:
            _release(connection, backend)
            connection.commit()


def _acquire(connection: Connection, backend: str) -> None:
    if backend == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    else:
        got = connection.execute(
            text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": f"gwctl-migrate-{_ADVISORY_LOCK_ID}", "timeout": _LOCK_TIMEOUT_SECONDS},
        ).scalar()
        if got != 1:
            raise TimeoutError("another process has been migrating the store's database too long")


def _release(connection: Connection, backend: str) -> None:
    if backend == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _ADVISORY_LOCK_ID})
    else:
        connection.execute(
            text("SELECT RELEASE_LOCK(:name)"), {"name": f"gwctl-migrate-{_ADVISORY_LOCK_ID}"}
        )
