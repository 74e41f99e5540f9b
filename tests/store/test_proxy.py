"""Behind a reverse proxy: X-Forwarded-For/-Proto are believed from the trusted proxies only.

From a trusted one, https gives Secure cookies and HSTS and the original client's address is
the request's (access log, `request.client.host`); from anyone else the same headers change
nothing: an attacker cannot pick the address the store logs, audits and throttles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gwctl.store.app import create_app
from tests.support.servers import free_port
from tests.support.serving import Served, entry_point, launch, wait_for
from tests.support.store_api import TestClient

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _serve(tmp_path: Path, *flags: str) -> Iterator[Served]:
    port = free_port()
    command = [
        *entry_point("python -m gwctl.store.server", tmp_path),
        *("--db", f"sqlite:///{tmp_path / 'store.sqlite3'}", "--port", str(port), *flags),
    ]
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run")
    yield served
    served.stop()


def _signin_page(served: Served) -> httpx.Response:
    response = served.get("/signin", headers=FORWARDED)
    wait_for(lambda: '"GET /signin"' in served.stdout(), "the access log line")
    return response


@pytest.fixture
def behind_trusted_proxy(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, "--trusted-proxy", "127.0.0.1")


@pytest.fixture(params=["none trusted", "another proxy trusted"])
def reached_directly(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    flags = () if request.param == "none trusted" else ("--trusted-proxy", "10.0.0.0/8")
    yield from _serve(tmp_path, *flags)


def test_behind_a_trusted_proxy_https_gives_secure_cookies_and_hsts(
    behind_trusted_proxy: Served,
) -> None:
    response = _signin_page(behind_trusted_proxy)

    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_behind_a_trusted_proxy_the_original_client_address_is_logged(
    behind_trusted_proxy: Served,
) -> None:
    _signin_page(behind_trusted_proxy)

    assert '203.0.113.7 "GET /signin" 200' in behind_trusted_proxy.stdout()


def test_forwarded_headers_from_an_untrusted_peer_change_nothing(reached_directly: Served) -> None:
    response = _signin_page(reached_directly)

    assert "secure" not in response.headers["set-cookie"].lower()
    assert "strict-transport-security" not in response.headers
    log = reached_directly.stdout()
    assert '127.0.0.1 "GET /signin" 200' in log
    assert "203.0.113.7" not in log + reached_directly.stderr()


def test_a_response_served_over_https_carries_hsts_and_over_http_none(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'store.sqlite3'}", key_file=tmp_path / "store.key")

    with TestClient(app, base_url="https://store.example") as https, TestClient(app) as http:
        secure, plain = https.get("/api/v1/providers"), http.get("/livez")

    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in plain.headers
