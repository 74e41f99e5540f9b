"""The store's CLI: `gwctl serve --init` and `gwctl store token create|list|revoke`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from gwctl.cli.main import cli
from gwctl.remote.embedded import store_paths
from gwctl.store.server import create_admin_token, no_admin_hint
from tests.support.servers import free_port, launch, start_server


def gwctl(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_a_read_token_reads_and_cannot_write_until_revoked(tmp_path: Path) -> None:
    code, output = gwctl(tmp_path, "store", "token", "create", "auditor", "--role", "read")
    assert code == 0
    token = output.strip()
    listed = gwctl(tmp_path, "store", "token", "list")[1]
    assert "auditor" in listed
    assert " read " in listed
    assert token not in listed
    url, key_file, _ = store_paths(tmp_path)
    server = start_server(url, key_file, tmp_path / "server.log")
    try:
        client = httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}
        )
        assert client.get("/api/v1/gateways").status_code == 200
        lock = {"holder": "x", "reason": "test", "ttl_seconds": 60}
        assert client.post("/api/v1/lock", json=lock).status_code == 403
        assert gwctl(tmp_path, "store", "token", "revoke", "auditor")[0] == 0
        assert client.get("/api/v1/gateways").status_code == 401
    finally:
        server.stop()


def test_revoking_an_unknown_token_is_a_clear_error(tmp_path: Path) -> None:
    code, output = gwctl(tmp_path, "store", "token", "revoke", "nobody")
    assert code == 1
    assert "no token named 'nobody'" in output


def test_serve_init_prints_an_admin_token_once_and_serves(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gwctl",
            "-C",
            str(tmp_path),
            "serve",
            "--init",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("admin token (shown once, keep it safe): ")
        token = line.rsplit(" ", 1)[1].strip()
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gwctl serve did not start"
                time.sleep(0.1)
        assert health.status_code == 200
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/gateways", headers={"Authorization": f"Bearer {token}"}
        )
        assert listed.status_code == 200
        assert (tmp_path / ".gwctl" / "store.sqlite3").is_file()
    finally:
        process.terminate()
        process.wait(10)


def test_a_store_without_an_admin_token_says_how_to_make_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"

    hint = no_admin_hint(url)
    create_admin_token(url)

    assert hint is not None
    assert "no admin token yet" in hint
    assert "`gwctl serve --init`" in hint
    assert no_admin_hint(url) is None


def test_serve_without_init_on_a_new_store_warns_before_it_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gwctl", "-C", str(tmp_path), "serve", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(10)

    assert first.startswith("warning: this store has no admin token yet")


def test_serve_refuses_a_short_metrics_token_before_it_starts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "serve", "--metrics-token", "tiny-token"]
    )
    assert result.exit_code != 0
    assert "the metrics token (--metrics-token or $GWCTL_METRICS_TOKEN)" in result.output
    assert "tiny-token" not in result.output
    assert not (tmp_path / ".gwctl" / "store.sqlite3").exists()  # nothing was started


def test_serve_takes_the_metrics_port_and_token_from_the_environment(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    token = "scrape-token-from-the-environment"
    server = launch(
        ["-m", "gwctl", "-C", str(tmp_path), "serve", "--port", str(port)],
        port,
        tmp_path / "server.log",
        {"GWCTL_METRICS_PORT": str(metrics_port), "GWCTL_METRICS_TOKEN": token},
    )
    try:
        scrape = httpx.get(
            f"http://127.0.0.1:{metrics_port}/metrics",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert scrape.status_code == 200
        assert (
            'gwctl_http_requests_total{method="GET",route="/healthz",status="200"}' in scrape.text
        )
        assert httpx.get(f"{server.base_url}/metrics").status_code == 404
    finally:
        server.stop()
    assert token not in server.log()
