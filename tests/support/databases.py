"""A clean database per test on SQLite, PostgreSQL and MariaDB.

PostgreSQL and MariaDB come from GWCTL_TEST_POSTGRES_URL / GWCTL_TEST_MARIADB_URL (defaults:
the development machines' servers). A server that does not answer skips its parameters with a
plain reason; every test gets its own database `gwctl_test_<session>_<n>`, dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

SERVER_DATABASES = {
    "postgresql": ("GWCTL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": ("GWCTL_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
DATABASES = ["sqlite", *SERVER_DATABASES]
_SESSION = secrets.token_hex(3)
_COUNTER = itertools.count(1)
_REACHABLE: dict[str, str | None] = {}  # kind -> skip reason (None: reachable)


def _admin_url(kind: str) -> sa.URL:
    variable, default = SERVER_DATABASES[kind]
    return make_url(os.environ.get(variable) or default)


def _skip_reason(kind: str) -> str | None:
    if kind not in _REACHABLE:
        url = _admin_url(kind)
        label = {"postgresql": "PostgreSQL", "mariadb": "MariaDB"}[kind]
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            _REACHABLE[kind] = None
        except Exception:
            _REACHABLE[kind] = f"{label} not reachable at {url.host}:{url.port}"
        finally:
            engine.dispose()
    return _REACHABLE[kind]


def fresh_database(kind: str) -> Iterator[str]:
    """A new, empty database on a server (dropped afterwards); skips if the server is down."""
    reason = _skip_reason(kind)
    if reason is not None:
        pytest.skip(reason)
    admin = _admin_url(kind)
    name = f"gwctl_test_{_SESSION}_{next(_COUNTER)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        charset = " CHARACTER SET utf8mb4" if kind == "mariadb" else ""
        connection.exec_driver_sql(f"CREATE DATABASE {name}{charset}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            force = " WITH (FORCE)" if kind == "postgresql" else ""
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        engine.dispose()


def dump_database(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order, to compare database states."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
            for name, table in sorted(metadata.tables.items())
        }
