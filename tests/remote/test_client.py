"""The store client's retry policy and settings, against a real server behind a proxy."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gwctl.config.settings import load_settings
from gwctl.core.problems import ConfigError
from gwctl.remote.client import AuditContext, RetryPolicy, StoreClient, StoreError
from gwctl.store.server import create_admin_token
from tests.support.faults import FaultProxy
from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore


@pytest.fixture
def proxied(repo: ConfigRepo, live_store: LiveStore) -> Iterator[tuple[FaultProxy, httpx.Client]]:
    upstream = int(live_store.server.base_url.rsplit(":", 1)[1])
    proxy = FaultProxy(upstream, target_prefix=b"GET /api/v1/gateways").start()
    token = create_admin_token(repo.database_url, "client-test")
    http = httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {token}"})
    yield proxy, http
    http.close()
    proxy.stop()


def client_with(http: httpx.Client, sleeps: list[float]) -> StoreClient:
    return StoreClient(http, AuditContext("tester@host"), RetryPolicy(sleep=sleeps.append))


def test_retry_after_is_honoured_on_429(proxied: tuple[FaultProxy, httpx.Client]) -> None:
    proxy, http = proxied
    proxy.faults.append("error_429")
    sleeps: list[float] = []
    assert client_with(http, sleeps).list_gateways() == []
    assert sleeps == [1.0]


def test_5xx_is_retried_with_growing_jittered_backoff(
    proxied: tuple[FaultProxy, httpx.Client],
) -> None:
    proxy, http = proxied
    proxy.faults.extend(["error_500"] * 3)
    sleeps: list[float] = []
    assert client_with(http, sleeps).list_gateways() == []
    assert len(sleeps) == 3
    assert all(0 <= delay <= 0.2 * 2**attempt for attempt, delay in enumerate(sleeps))


def test_a_4xx_is_never_retried(proxied: tuple[FaultProxy, httpx.Client]) -> None:
    _proxy, http = proxied
    sleeps: list[float] = []
    client = client_with(http, sleeps)
    with pytest.raises(StoreError) as error:
        client.update_gateway("missing", {"provider": "infobip"}, 1)
    assert error.value.status in (404, 422)
    assert sleeps == []


def test_a_bad_token_says_which_variable_to_set(live_store: LiveStore) -> None:
    http = httpx.Client(
        base_url=live_store.server.base_url, headers={"Authorization": "Bearer wrong"}
    )
    with pytest.raises(StoreError, match="GWCTL_TOKEN"):
        client_with(http, []).list_gateways()


def test_an_unreachable_store_fails_after_the_attempts(repo: ConfigRepo) -> None:
    http = httpx.Client(base_url="http://127.0.0.1:9")
    sleeps: list[float] = []
    with pytest.raises(StoreError, match="cannot reach the store"):
        client_with(http, sleeps).list_gateways()
    assert len(sleeps) == 4


def test_environments_pick_their_url_and_token_variable(
    repo: ConfigRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (repo.root / "gwctl.yaml").write_text(
        "store: {url: https://default.example}\n"
        "environments:\n"
        "  staging: {store: {url: https://staging.example, token_env: STAGING_TOKEN}}\n"
    )
    monkeypatch.setenv("STAGING_TOKEN", "tok")
    settings = load_settings(repo.root, "staging")
    assert settings.store.url == "https://staging.example"
    assert settings.store.token() == "tok"
    assert load_settings(repo.root).store.url == "https://default.example"


def test_a_token_written_in_gwctl_yaml_is_refused_with_the_reason(repo: ConfigRepo) -> None:
    (repo.root / "gwctl.yaml").write_text("store:\n  url: https://x.example\n  token: abc\n")
    with pytest.raises(ConfigError) as error:
        load_settings(repo.root)
    assert "gwctl.yaml:3:3: unknown setting 'token'" in str(error.value)
    assert "never read from a file in git" in str(error.value)


def test_an_unknown_environment_lists_the_known_ones(repo: ConfigRepo) -> None:
    (repo.root / "gwctl.yaml").write_text("environments:\n  prod: {store: {url: https://p}}\n")
    with pytest.raises(ConfigError, match="unknown environment 'staging' \\(environments: prod\\)"):
        load_settings(repo.root, "staging")


def test_a_token_is_never_sent_over_plain_http_beyond_loopback(
    repo: ConfigRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GWCTL_STORE_URL", "http://gateways.example.com")
    monkeypatch.setenv("GWCTL_TOKEN", "a-token")
    result = repo.gwctl("plan")
    assert result.exit_code == 1
    assert "refusing to send the store token over plain http" in result.output


def test_the_embedded_store_starts_afresh_when_its_database_is_removed(repo: ConfigRepo) -> None:
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0
    (repo.root / ".gwctl" / "store.sqlite3").unlink()
    result = repo.gwctl("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "Plan: 4 to create" in result.output
