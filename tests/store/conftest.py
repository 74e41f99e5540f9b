"""Fixtures of the store tests: a clean database per test on SQLite, PostgreSQL and MariaDB,
the app in-process, and real uvicorn servers on 127.0.0.1.

PostgreSQL and MariaDB come from GWCTL_TEST_POSTGRES_URL / GWCTL_TEST_MARIADB_URL (defaults:
the development machines' servers). A server that does not answer skips its parameters with a
plain reason; every test gets its own database `gwctl_test_<session>_<n>`, dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

from gwctl.store.app import create_app
from gwctl.store.service import GatewayStore

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


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: SQLite file, PostgreSQL, MariaDB."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        yield from fresh_database(request.param)


@pytest.fixture(params=list(SERVER_DATABASES))
def server_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL or MariaDB database (for multi-process tests)."""
    yield from fresh_database(request.param)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "store.key"


@dataclass
class Api:
    """Clients of one store: `admin`, `reader` (read role) and `anon` (no token)."""

    admin: httpx.Client
    reader: httpx.Client
    anon: httpx.Client
    engine: sa.Engine
    database_url: str
    log_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in a stable order, to compare database states."""
        return dump_database(self.engine)


def dump_database(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
            for name, table in sorted(metadata.tables.items())
        }


def make_tokens(database_url: str, key_file: Path) -> tuple[str, str]:
    """Migrate the database and create an admin and a read token."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        return store.create_token("test-admin", "admin"), store.create_token("auditor", "read")
    finally:
        store.close()


@pytest.fixture
def inprocess_api(database_url: str, key_file: Path) -> Iterator[Api]:
    """The app in-process (httpx over ASGI via TestClient)."""
    yield from _inprocess(database_url, key_file)


def _inprocess(database_url: str, key_file: Path) -> Iterator[Api]:
    admin_token, read_token = make_tokens(database_url, key_file)
    app = create_app(database_url, key_file=key_file)
    clients = [
        TestClient(app, headers={"Authorization": f"Bearer {token}"} if token else {})
        for token in (admin_token, read_token, None)
    ]
    store: GatewayStore = app.state.store
    try:
        yield Api(
            clients[0],
            clients[1],
            clients[2],
            engine=store.engine,
            database_url=database_url,
            extra={"app": app, "admin_token": admin_token},
        )
    finally:
        for client in clients:
            client.close()
        store.close()


@dataclass
class Server:
    """A `python -m gwctl.store.server` subprocess on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(database_url: str, key_file: Path, log_path: Path) -> Server:
    """Start a server and wait until /healthz answers (fail with its log otherwise)."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gwctl.store.server",
                "--db",
                database_url,
                "--port",
                str(port),
                "--key-file",
                str(key_file),
                "--log-level",
                "info",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the store server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"the store server did not answer /healthz within 30 s:\n{server.log()}")


@pytest.fixture
def uvicorn_api(database_url: str, key_file: Path, tmp_path: Path) -> Iterator[Api]:
    """A real uvicorn server in a subprocess on 127.0.0.1."""
    yield from _served(database_url, key_file, tmp_path)


def _served(database_url: str, key_file: Path, tmp_path: Path) -> Iterator[Api]:
    admin_token, read_token = make_tokens(database_url, key_file)
    server = start_server(database_url, key_file, tmp_path / "server.log")
    clients = [
        httpx.Client(
            base_url=server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        for token in (admin_token, read_token, None)
    ]
    engine = sa.create_engine(database_url)
    try:
        yield Api(
            clients[0],
            clients[1],
            clients[2],
            engine=engine,
            database_url=database_url,
            log_path=server.log_path,
            extra={"server": server, "admin_token": admin_token},
        )
    finally:
        for client in clients:
            client.close()
        server.stop()
        engine.dispose()


@pytest.fixture(params=["asgi", "uvicorn"])
def api(
    request: pytest.FixtureRequest, database_url: str, key_file: Path, tmp_path: Path
) -> Iterator[Api]:
    """The store through each transport: in-process ASGI and a real uvicorn server."""
    if request.param == "asgi":
        yield from _inprocess(database_url, key_file)
    else:
        yield from _served(database_url, key_file, tmp_path)
