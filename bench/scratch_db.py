"""A scratch PostgreSQL database for a benchmark: made on the server the benches use, dropped
afterwards; None when that server does not answer."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import sqlalchemy as sa

POSTGRES_ENV = "GWCTL_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def scratch_postgres(prefix: str) -> Iterator[str | None]:
    """The URL of a new database `<prefix>_<random>` (dropped afterwards), or None."""
    admin = sa.make_url(os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT)
    engine = sa.create_engine(
        admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"{prefix}_{secrets.token_hex(4)}"
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
