"""`/livez` answers while the process runs; `/readyz` only while the database answers with the
schema this server needs, and says why not (never a URL, host or password) with 503."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from gwctl.store import db
from gwctl.store.api.health import readiness_problem
from gwctl.store.migrate import HEAD_REVISION
from tests.support.private_mariadb import PrivateMariaDB, private_mariadb
from tests.support.servers import free_port
from tests.support.serving import entry_point, launch, wait_for
from tests.support.store_api import Api

NOT_ANSWERING = {"status": "not_ready", "reason": "the database does not answer"}


@pytest.fixture
def own_mariadb(tmp_path: Path) -> Iterator[PrivateMariaDB]:
    yield from private_mariadb(tmp_path / "mariadb")


def test_livez_and_readyz_answer_without_a_token(inprocess_api: Api) -> None:
    assert inprocess_api.anon.get("/livez").json() == {"status": "ok"}
    assert inprocess_api.anon.get("/healthz").json() == {"status": "ok"}
    assert inprocess_api.anon.get("/readyz").json() == {"status": "ready", "reason": None}


def test_readyz_is_503_while_the_schema_is_not_the_one_this_server_needs(
    inprocess_api: Api,
) -> None:
    with inprocess_api.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))

    response = inprocess_api.anon.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "reason": f"the database schema is at revision 0004, this server needs {HEAD_REVISION}: "
        "restart it to migrate, or start the newer server",
    }
    assert inprocess_api.anon.get("/livez").status_code == 200


def test_readyz_follows_the_database_as_it_stops_and_starts_again(
    own_mariadb: PrivateMariaDB, tmp_path: Path
) -> None:
    url = own_mariadb.create_database("gwctl")
    port = free_port()
    command = [*entry_point("python -m gwctl.store.server", tmp_path), "--port", str(port)]
    environment = {"GWCTL_DB_URL": url, "GWCTL_STORE_KEY_FILE": str(tmp_path / "store.key")}
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run", environment)
    try:
        before = served.get("/readyz")
        own_mariadb.stop()
        down = served.get("/readyz")
        alive = served.get("/livez")
        own_mariadb.start()
        wait_for(lambda: served.get("/readyz").status_code == 200, "/readyz after the restart")
        after = served.get("/readyz")
    finally:
        served.stop()

    assert (before.status_code, before.json()["status"]) == (200, "ready")
    assert (down.status_code, down.json()) == (503, NOT_ANSWERING)
    assert alive.status_code == 200
    assert after.json() == {"status": "ready", "reason": None}
    assert str(own_mariadb.port) not in down.text
    assert "not ready: the database does not answer (OperationalError)" in served.stderr()


def test_readiness_gives_up_on_a_postgresql_server_that_accepts_and_says_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "CONNECT_TIMEOUT_S", 1)  # the default is 10 s
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        port = silent.getsockname()[1]
        engine = db.create_store_engine(f"postgresql+psycopg://gwctl@127.0.0.1:{port}/gwctl")
        try:
            assert readiness_problem(engine) == NOT_ANSWERING["reason"]
        finally:
            engine.dispose()
