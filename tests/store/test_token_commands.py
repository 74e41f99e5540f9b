"""`gwctl store token create --expires` and `gwctl store token list` (text and JSON) on
SQLite, PostgreSQL and MariaDB: expiry, EXPIRED and NEVER EXPIRES, last use and its address."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from gwctl.store.context import Client
from gwctl.store.service import GatewayStore
from tests.support.cli import invoke
from tests.support.clock import Clock


def _create(root: Path, database_url: str, name: str, *expires: str) -> str:
    outcome = invoke(
        "-C", root, "store", "token", "create", name, "--role", "admin", *expires,
        "--db", database_url, "--key-file", root / ".gwctl" / "store.key",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout.strip()


def _use(root: Path, database_url: str, token: str, address: str) -> None:
    store = GatewayStore.open(database_url, key_file=root / ".gwctl" / "store.key")
    try:
        assert store.authenticate(token, Client.of(address, "curl/8")) is not None
    finally:
        store.close()


def test_token_list_shows_expiry_and_last_use(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    used = _create(tmp_path, database_url, "ci-apply", "--expires", "90d")
    _create(tmp_path, database_url, "ci-plan", "--expires", "12h")
    _create(tmp_path, database_url, "legacy")
    _use(tmp_path, database_url, used, "192.0.2.10")
    expires = clock.now() + timedelta(days=90)
    clock.advance(timedelta(hours=12))

    listed = invoke("-C", tmp_path, "store", "token", "list", "--db", database_url)
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}

    assert listed.exit_code == 0
    assert f"expires {expires:%Y-%m-%d %H:%M}" in lines["ci-apply"]
    assert "last used " in lines["ci-apply"]
    assert lines["ci-apply"].endswith(" from 192.0.2.10")
    assert " EXPIRED " in lines["ci-plan"]
    assert lines["ci-plan"].endswith("never used")
    assert "NEVER EXPIRES" in lines["legacy"]
    assert used not in listed.stdout


def test_token_list_as_json_has_expiry_and_last_use(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    used = _create(tmp_path, database_url, "ci-apply", "--expires", "30m")
    _create(tmp_path, database_url, "legacy", "--expires", "never")
    _use(tmp_path, database_url, used, "2001:db8::7")
    clock.advance(timedelta(minutes=30))

    listed = invoke(
        "-C", tmp_path, "store", "token", "list", "--format", "json", "--db", database_url
    )
    apply, legacy = json.loads(listed.stdout)

    assert (apply["expired"], apply["last_used_from"]) == (True, "2001:db8::7")
    assert apply["expires_at"] == (clock.now()).isoformat()
    assert apply["last_used_at"] == (clock.now() - timedelta(minutes=30)).isoformat()
    assert (legacy["expires_at"], legacy["expired"], legacy["last_used_at"]) == (None, False, None)
    assert legacy["last_used_from"] is None
