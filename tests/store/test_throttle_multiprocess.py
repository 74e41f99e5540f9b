"""Throttling is shared by two real server processes on one PostgreSQL or MariaDB database:
failures counted by one count on the other, for bad bearer tokens (per address) and for
sign-ins (per user name), with the default limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gwctl.store.throttle import Limits
from tests.support.people import ADMIN, add_people_to
from tests.support.servers import Server, start_server
from tests.support.store_api import make_tokens
from tests.support.web_client import signin_form

DEFAULTS = Limits()
BAD = {"Authorization": "Bearer gwst_" + "x" * 43}


@pytest.fixture
def two_servers(
    server_database_url: str, key_file: Path, tmp_path: Path
) -> Iterator[tuple[str, list[Server]]]:
    admin_token, _read = make_tokens(server_database_url, key_file)
    add_people_to(server_database_url, key_file, admin_token)
    servers = [
        start_server(server_database_url, key_file, tmp_path / f"server-{n}.log") for n in "ab"
    ]
    try:
        yield admin_token, servers
    finally:
        for server in servers:
            server.stop()


def test_bad_tokens_on_one_server_count_on_the_other(
    two_servers: tuple[str, list[Server]],
) -> None:
    admin_token, (a, b) = two_servers
    with httpx.Client(base_url=a.base_url) as first, httpx.Client(base_url=b.base_url) as second:
        half = DEFAULTS.tokens_per_address // 2
        codes = [first.get("/api/v1/gateways", headers=BAD).status_code for _ in range(half)]
        rest = DEFAULTS.tokens_per_address - half
        codes += [second.get("/api/v1/gateways", headers=BAD).status_code for _ in range(rest)]

        refused = first.get("/api/v1/gateways", headers=BAD)
        good = second.get("/api/v1/gateways", headers={"Authorization": f"Bearer {admin_token}"})

    assert codes == [401] * DEFAULTS.tokens_per_address
    assert refused.status_code == good.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= DEFAULTS.window_seconds


def sign_in_as(client: httpx.Client, password: str) -> httpx.Response:
    form = signin_form(client.get("/signin").text, ADMIN)
    return client.post("/signin", data={**form, "password": password})


def test_failed_sign_ins_on_one_server_lock_the_account_on_the_other(
    two_servers: tuple[str, list[Server]],
) -> None:
    _token, (a, b) = two_servers
    with (
        httpx.Client(base_url=a.base_url, timeout=60) as first,
        httpx.Client(base_url=b.base_url, timeout=60) as second,
    ):
        half = DEFAULTS.per_account // 2
        codes = [sign_in_as(first, "a wrong guess of it").status_code for _ in range(half)]
        rest = DEFAULTS.per_account - half
        codes += [sign_in_as(second, "a wrong guess of it").status_code for _ in range(rest)]

        locked = sign_in_as(first, ADMIN.password)

    assert codes == [401] * DEFAULTS.per_account
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert int(locked.headers["retry-after"]) >= 1
