"""Schema migrations of the store's database, run programmatically with Alembic.

`upgrade_database(url)` brings any supported database to the newest revision; every server
start calls it. Concurrent starts on one PostgreSQL or MariaDB database take turns through
an advisory lock, so two processes never run the same migration at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from gwctl.store.db import WRITE_OPTION, create_store_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0002"  # the newest revision (a test checks it against the scripts)
_ADVISORY_LOCK_ID = 7_311_052  # any constant shared by all gwctl processes
_LOCK_TIMEOUT_SECONDS = 120


def alembic_config() -> Config:
    """An Alembic configuration pointing at the store's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
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
        connection = engine.connect().execution_options(**{WRITE_OPTION: True})
        with connection, connection.begin():
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
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
