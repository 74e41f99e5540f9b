"""Real store servers: `python -m gwctl.store.server` subprocesses on 127.0.0.1, and
`LiveStore`, one such server with an API client per actor."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gwctl.store.server import create_admin_token
from tests.support.serving import wait_for

START_TIMEOUT = 90  # s: a bound, not a wait; the test machines are shared and loaded


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
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(
    database_url: str, key_file: Path, log_path: Path, *options: str, env: Mapping[str, str] = {}
) -> Server:
    """Start a server (with extra command-line `options` and `env`, one log for both streams)
    and wait until /healthz answers (fail with its log otherwise). Starting `gwctl serve` or
    uvicorn as an operator does, streams apart: tests/support/serving.py."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "gwctl.store.server", "--db", database_url, "--port", str(port)),
        *("--key-file", str(key_file), "--log-level", "info", *options),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the store server exited with {process.returncode}:\n{server.log()}")
        try:
            return httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, f"{server.base_url}/healthz (log: {log_path})", START_TIMEOUT)
    except BaseException:
        server.stop()
        raise
    return server


@dataclass
class LiveStore:
    """A real uvicorn server on a config repository's store database, with an API client per
    actor."""

    server: Server
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token_name: str) -> httpx.Client:
        token = create_admin_token(self.database_url, token_name, key_file=self.key_file)
        client = httpx.Client(
            base_url=self.server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {token}", "X-Gwctl-Actor": f"{token_name}@web"},
        )
        self.clients.append(client)
        return client

    database_url: str = ""
    key_file: Path | None = None  # the server's, when not beside its SQLite database
