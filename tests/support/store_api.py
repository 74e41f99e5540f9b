"""Clients of one store's API (`Api`): in-process over ASGI, or through a real uvicorn
server."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

from gwctl.store.app import create_app
from gwctl.store.service import GatewayStore
from tests.support.databases import dump_database
from tests.support.servers import start_server


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


def make_tokens(database_url: str, key_file: Path) -> tuple[str, str]:
    """Migrate the database and create an admin and a read token."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        return store.create_token("test-admin", "admin"), store.create_token("auditor", "read")
    finally:
        store.close()


def inprocess(database_url: str, key_file: Path) -> Iterator[Api]:
    """The app in-process (httpx over ASGI via TestClient), closed afterwards."""
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


def served(database_url: str, key_file: Path, tmp_path: Path) -> Iterator[Api]:
    """A real uvicorn server in a subprocess on 127.0.0.1, stopped afterwards."""
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
