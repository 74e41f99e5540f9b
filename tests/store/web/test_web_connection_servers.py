"""Test connection across real store processes (`python -m gwctl.store.server`): the throttle
lives in the database, so a second process refuses a test the first just ran; no credential
in a server's log; and a bad --verify-base-url / GWCTL_VERIFY_BASE_URLS stops the start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gwctl.store.app import create_app
from gwctl.store.errors import StoreConfigError
from gwctl.store.service import GatewayStore
from tests.support.canaries import PLANTED
from tests.support.cli import invoke
from tests.support.connection_tests import (
    IDENTIFIERS,
    KEYS,
    PROVIDERS,
    press_test_connection,
    seed,
)
from tests.support.people import add_people
from tests.support.providers import ProviderServer
from tests.support.servers import Server, start_server
from tests.support.store_api import make_tokens
from tests.support.web_client import sign_in

INFOBIP = KEYS["infobip"]


@pytest.fixture
def pointed_env(providers: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """GWCTL_VERIFY_BASE_URLS sends every provider's check to `providers` (servers started
    afterwards inherit it)."""
    value = ",".join(f"{provider}={providers.base_url}" for provider in PROVIDERS)
    monkeypatch.setenv("GWCTL_VERIFY_BASE_URLS", value)


def seeded(database_url: str, key_file: Path, *providers: str) -> str:
    """Migrate, seed gateways and the people who sign in, return an admin token."""
    admin_token, read_token = make_tokens(database_url, key_file)
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        seed(store, *providers)
        add_people(store, admin_token, read_token)
    finally:
        store.close()
    return admin_token


@pytest.fixture
def two_servers(
    database_url: str, key_file: Path, tmp_path: Path, pointed_env: None
) -> Iterator[tuple[str, list[Server]]]:
    token = seeded(database_url, key_file, "infobip")
    servers = [start_server(database_url, key_file, tmp_path / f"server-{n}.log") for n in "ab"]
    try:
        yield token, servers
    finally:
        for server in servers:
            server.stop()


@contextmanager
def signed_in(server: Server, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        sign_in(client, token)
        yield client


def test_a_second_process_refuses_a_test_within_the_interval(
    two_servers: tuple[str, list[Server]], providers: ProviderServer
) -> None:
    token, (a, b) = two_servers
    with signed_in(a, token) as first, signed_in(b, token) as second:
        tested = press_test_connection(first, INFOBIP)
        refused = press_test_connection(second, INFOBIP)

    assert tested.status_code == 200
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 11
    assert len(providers.requests) == 1


def test_a_store_process_logs_no_credential(
    tmp_path: Path, key_file: Path, providers: ProviderServer, pointed_env: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    token = seeded(database_url, key_file)
    providers.answer(IDENTIFIERS["infobip"], "rejected")
    server = start_server(database_url, key_file, tmp_path / "server.log")
    try:
        with signed_in(server, token) as client:
            for key in KEYS.values():
                assert press_test_connection(client, key).status_code == 200
    finally:
        server.stop()

    log = server.log()
    assert "connection test of infobip-primary by web:alice: rejected" in log
    for canary in PLANTED:
        assert canary not in log


BAD_VALUES = [
    ("infobip", "expected PROVIDER=URL"),
    ("nokia=https://api.nokia.example", "unknown provider 'nokia'; known: clickatell, infobip"),
    ("twilio=http://example.com", "of twilio: must be https:// (plain http only for a server"),
    ("infobip=ftp://x.api.infobip.com", "of infobip: must be an https:// URL"),
    ("infobip=https://x.api.infobip.com/?a=1", "must be a plain base URL"),
    ("infobip=https://me:pw-0042@x.api.infobip.com", "must not carry a user name or password"),
]


@pytest.mark.parametrize(("value", "message"), BAD_VALUES)
def test_a_bad_verify_base_url_option_stops_gwctl_serve(
    tmp_path: Path, value: str, message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"

    outcome = invoke("-C", tmp_path, "serve", "--db", url, "--verify-base-url", value)

    assert outcome.exit_code == 1
    assert outcome.stderr.startswith("error: --verify-base-url")
    assert message in outcome.stderr
    assert "pw-0042" not in outcome.output
    assert not (tmp_path / "store.sqlite3").exists()  # nothing started


@pytest.mark.parametrize(("value", "message"), BAD_VALUES)
def test_a_bad_GWCTL_VERIFY_BASE_URLS_stops_the_store_server(
    tmp_path: Path, value: str, message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"

    completed = subprocess.run(
        [sys.executable, "-m", "gwctl.store.server", "--db", url, "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GWCTL_VERIFY_BASE_URLS": f"twilio=http://127.0.0.1:9,{value}"},
        check=False,
    )

    assert completed.returncode == 2
    assert "error: GWCTL_VERIFY_BASE_URLS" in completed.stderr
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "pw-0042" not in completed.stderr


def test_a_bad_base_url_given_to_create_app_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigError, match="of infobip: must be https://"):
        create_app(
            f"sqlite:///{tmp_path / 'store.sqlite3'}",
            key_file=tmp_path / "store.key",
            verify_base_urls={"infobip": "http://x.api.infobip.com"},
        )
