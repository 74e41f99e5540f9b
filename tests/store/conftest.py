"""Fixtures of the store tests: a clean database per test on SQLite, PostgreSQL and MariaDB
(`tests.support.databases`), the app in-process, and real uvicorn servers on 127.0.0.1
(`tests.support.store_api`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gwctl.store import tokens
from tests.support.clock import Clock
from tests.support.databases import DATABASES, SERVER_DATABASES, fresh_database
from tests.support.store_api import Api, inprocess, served


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


@pytest.fixture
def inprocess_api(database_url: str, key_file: Path) -> Iterator[Api]:
    """The app in-process (httpx over ASGI via TestClient)."""
    yield from inprocess(database_url, key_file)


@pytest.fixture
def uvicorn_api(database_url: str, key_file: Path, tmp_path: Path) -> Iterator[Api]:
    """A real uvicorn server in a subprocess on 127.0.0.1."""
    yield from served(database_url, key_file, tmp_path)


@pytest.fixture(params=["asgi", "uvicorn"])
def api(
    request: pytest.FixtureRequest, database_url: str, key_file: Path, tmp_path: Path
) -> Iterator[Api]:
    """The store through each transport: in-process ASGI and a real uvicorn server."""
    if request.param == "asgi":
        yield from inprocess(database_url, key_file)
    else:
        yield from served(database_url, key_file, tmp_path)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The store's token clock, stopped: `clock.advance(...)` is time passing for tokens."""
    stopped = Clock()
    monkeypatch.setattr(tokens, "now_utc", stopped.now)
    return stopped
