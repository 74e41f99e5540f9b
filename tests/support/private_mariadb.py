"""A MariaDB server of a test's own (`mariadb-install-db` + `mariadbd` in a temporary folder),
which the test may stop and start again: the shared servers must never be stopped."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.servers import free_port
from tests.support.serving import wait_for


@dataclass
class PrivateMariaDB:
    """One mariadbd on 127.0.0.1:`port` over `folder`/data, without grant tables (root, no
    password)."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        with (self.folder / "mariadbd.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={self.folder / 'data'}",
                    f"--port={self.port}",
                    "--bind-address=127.0.0.1",
                    f"--socket={self.folder / 'mariadbd.sock'}",
                    f"--pid-file={self.folder / 'mariadbd.pid'}",
                    "--user=root",
                    "--skip-grant-tables",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answers, f"the private MariaDB on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)
        self.process = None

    def answers(self) -> bool:
        engine = sa.create_engine(self.url("mysql"), connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    def create_database(self, name: str) -> str:
        engine = sa.create_engine(self.url("mysql"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        engine.dispose()
        return self.url(name)


def private_mariadb(folder: Path) -> Iterator[PrivateMariaDB]:
    """A new MariaDB server in `folder`, started; stopped afterwards. Skips, saying why, on a
    machine without the MariaDB server binaries."""
    if shutil.which("mariadbd") is None or shutil.which("mariadb-install-db") is None:
        pytest.skip("the MariaDB server (mariadbd, mariadb-install-db) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={folder / 'data'}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    server = PrivateMariaDB(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
