"""The store's CLI: `gwctl serve` without --init (tests/store/test_first_admin.py has --init)
and `gwctl store token create|list|revoke`."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
from click.testing import CliRunner

from gwctl.cli.main import cli
from gwctl.remote.embedded import store_paths
from gwctl.store.server import (
    change_named_user,
    create_admin_token,
    create_named_user,
    no_admin_hint,
)
from gwctl.store.users import disable_user
from tests.support.servers import free_port, start_server
from tests.support.serving import entry_point, launch


def gwctl(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_a_read_token_reads_and_cannot_write_until_revoked(tmp_path: Path) -> None:
    code, output = gwctl(
        tmp_path, "store", "token", "create", "auditor", "--role", "read", "--expires", "90d"
    )
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


def test_a_store_without_an_enabled_admin_user_says_how_to_make_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"

    hint = no_admin_hint(url)
    create_admin_token(url)
    with_a_token = no_admin_hint(url)
    create_named_user(url, "alice", "admin", "a long enough password")

    assert hint is not None
    assert "no enabled admin user yet" in hint
    assert "`gwctl store user create NAME --role admin`" in hint
    assert with_a_token == hint  # a token does not sign in to the page
    assert no_admin_hint(url) is None
    change_named_user(url, partial(disable_user, name="alice"))
    assert no_admin_hint(url) == hint


def test_serve_without_init_on_a_new_store_warns_before_it_serves(tmp_path: Path) -> None:
    port = free_port()
    command = [*entry_point("gwctl serve", tmp_path), "--port", str(port)]
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run")
    served.stop()

    lines = served.stderr().splitlines()
    warned = next(
        n for n, line in enumerate(lines) if "this store has no enabled admin user yet" in line
    )
    assert "WARNING gwctl.store.server:" in lines[warned]
    assert warned < next(n for n, line in enumerate(lines) if "Uvicorn running on" in line)


def test_serve_refuses_a_short_metrics_token_before_it_starts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "serve", "--metrics-token", "tiny-token"]
    )
    assert result.exit_code != 0
    assert "--metrics-token: the metrics token must have at least 16 characters" in result.output
    assert "tiny-token" not in result.output
    assert not (tmp_path / ".gwctl" / "store.sqlite3").exists()  # nothing was started
