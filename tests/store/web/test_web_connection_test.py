"""Test connection on the web page, in-process (TestClient) over the real store app whose
checks go to the providers' stand-ins on 127.0.0.1 (`tests.support.providers`): the verdicts
and their reasons, the audit entry, the throttle, the admin-only action, and no credential
value in any page, log line or audit entry."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gwctl.core.providers import load_providers
from gwctl.store.service import GatewayStore
from tests.support.canaries import PLANTED
from tests.support.connection_tests import (
    IDENTIFIERS,
    KEYS,
    pointed_at,
    press_test_connection,
    result_text,
    seed,
    store_app_at,
)
from tests.support.providers import ProviderServer
from tests.support.servers import free_port
from tests.support.web import CanaryScanner, StoreApp
from tests.support.web_client import csrf_of, sign_in

INFOBIP, TWILIO, CLICKATELL = KEYS["infobip"], KEYS["twilio"], KEYS["clickatell"]
MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(tmp_path: Path, providers: ProviderServer) -> Iterator[MakeClient]:
    """`make_client(base_urls=..., interval=..., role="admin"|"read")`: a signed-in client
    of one store app (made by the first call) with a gateway of each provider; every
    response is scanned for the canaries."""
    made: list[tuple[StoreApp, CanaryScanner]] = []
    with ExitStack() as clients:

        def make(
            base_urls: dict[str, str] | None = None, interval: float = 10.0, role: str = "admin"
        ) -> TestClient:
            if not made:
                urls = pointed_at(providers.base_url) if base_urls is None else base_urls
                store_app = store_app_at(tmp_path, urls, interval=interval)
                clients.callback(store_app.store.close)
                seed(store_app.store)
                made.append((store_app, CanaryScanner(store_app.app)))
            store_app, scanner = made[0]
            client = clients.enter_context(TestClient(scanner))
            sign_in(client, store_app.admin_token if role == "admin" else store_app.read_token)
            return client

        yield make
    for _, scanner in made:
        assert scanner.leaks == [], f"credential values left the server: {scanner.leaks}"


def store_of(client: TestClient) -> GatewayStore:
    scanner: Any = client.app
    store: GatewayStore = scanner.app.state.store
    return store


def connection_tests(store: GatewayStore, key: str | None = None) -> list[Any]:
    return store.list_audit(key=key, action="connection_test").items


def test_a_verified_twilio_gateway_shows_verified(make_client: MakeClient) -> None:
    response = press_test_connection(make_client(), TWILIO)

    assert response.status_code == 200
    assert result_text(response.text).startswith(
        "verified Twilio US: verified — credentials accepted (HTTP 200)"
    )


def test_a_rejected_infobip_gateway_shows_the_schemas_reason_and_status(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    providers.answer(IDENTIFIERS["infobip"], "rejected")

    response = press_test_connection(make_client(), INFOBIP)

    assert response.status_code == 200
    assert "Infobip I: rejected — API key refused (UNAUTHORIZED) (HTTP 401)" in result_text(
        response.text
    )


def test_a_suspended_clickatell_gateway_shows_suspended(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    providers.answer(IDENTIFIERS["clickatell"], "suspended")

    response = press_test_connection(make_client(), CLICKATELL)

    assert "Clickatell ZA: suspended — account frozen (ERR 004) (HTTP 200)" in result_text(
        response.text
    )


def test_a_closed_port_is_unreachable(make_client: MakeClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    response = press_test_connection(make_client(base_urls=pointed_at(closed)), INFOBIP)

    assert response.status_code == 200
    assert "Infobip I: unreachable — connection refused by 127.0.0.1" in result_text(response.text)


def test_the_check_goes_to_the_configured_base_url(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    client = make_client()

    page = client.get(f"/gateways/{INFOBIP}/test").text
    press_test_connection(client, INFOBIP)

    assert f"<code>{providers.base_url}</code>" in page
    assert [request.path for request in providers.requests] == ["/account/1/balance"]


def test_the_audit_entry_records_actor_key_and_verdict(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    providers.answer(IDENTIFIERS["infobip"], "rejected")
    client = make_client()

    press_test_connection(client, INFOBIP)

    [entry] = connection_tests(store_of(client))
    assert (entry.action, entry.key, entry.actor, entry.token_name) == (
        "connection_test",
        INFOBIP,
        "web:alice",
        None,
    )
    assert entry.fields == []
    assert entry.details == {
        "provider": "infobip",
        "host": "127.0.0.1",
        "verdict": "rejected",
        "reason": "API key refused (UNAUTHORIZED)",
        "http_status": 401,
    }
    assert store_of(client).verify_audit().ok


def test_the_history_page_shows_the_test_and_its_verdict(make_client: MakeClient) -> None:
    client = make_client()
    press_test_connection(client, TWILIO)

    history = client.get(f"/gateways/{TWILIO}/history").text

    assert "connection test" in history
    assert "credentials accepted" in history
    assert "web:alice" in history


def test_no_credential_in_pages_logs_or_audit_entries(
    make_client: MakeClient, providers: ProviderServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Twilio's answer echoes the Auth Token: it must stop at the store
    caplog.set_level(logging.DEBUG)
    client = make_client()
    providers.answer(IDENTIFIERS["infobip"], "rejected")
    pages = [press_test_connection(client, key).text for key in (INFOBIP, TWILIO, CLICKATELL)]
    pages += [client.get(f"/gateways/{key}/history").text for key in (INFOBIP, TWILIO)]
    pages.append(client.get("/gateways").text)
    entries = json.dumps([e.model_dump() for e in store_of(client).list_audit().items])

    for text in (*pages, entries, caplog.text):
        for canary in PLANTED:
            assert canary not in text
    assert len(providers.requests) == 3  # the credentials did go to the provider


def test_a_second_test_within_the_interval_gets_429_and_retry_after(
    make_client: MakeClient,
) -> None:
    client = make_client()
    press_test_connection(client, INFOBIP)

    again = press_test_connection(client, INFOBIP)

    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 11
    assert "was tested less than 10 seconds ago" in again.text
    assert f"Try again in {again.headers['retry-after']} s" in again.text
    assert len(connection_tests(store_of(client))) == 1


def test_the_interval_is_per_gateway(make_client: MakeClient) -> None:
    client = make_client()
    press_test_connection(client, INFOBIP)

    other = press_test_connection(client, TWILIO)

    assert other.status_code == 200


def test_a_gateway_may_be_tested_again_after_the_interval(make_client: MakeClient) -> None:
    client = make_client(interval=0)
    press_test_connection(client, INFOBIP)

    again = press_test_connection(client, INFOBIP)

    assert again.status_code == 200
    assert len(connection_tests(store_of(client))) == 2


def test_a_test_under_way_refuses_a_second_one(tmp_path: Path) -> None:
    # the claim is in the database before the check is sent: a second request while the
    # first one waits for the provider is refused, and nothing more is sent
    with ProviderServer(delay=1.0) as slow:
        store_app = store_app_at(tmp_path, pointed_at(slow.base_url))
        seed(store_app.store, "infobip")
        try:
            with TestClient(store_app.app) as first, TestClient(store_app.app) as second:
                for client in (first, second):
                    sign_in(client, store_app.admin_token)
                with ThreadPoolExecutor(1) as pool:
                    running = pool.submit(press_test_connection, first, INFOBIP)
                    wait_until(lambda: bool(slow.requests))  # its check reached the provider
                    refused = press_test_connection(second, INFOBIP)
                    answered = running.result(timeout=30)
        finally:
            store_app.store.close()
    assert refused.status_code == 429
    assert answered.status_code == 200
    assert len(slow.requests) == 1


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.01)


def test_a_read_session_does_not_see_the_action(make_client: MakeClient) -> None:
    make_client()
    reader = make_client(role="read")

    table = reader.get("/gateways").text

    assert "Infobip I" in table
    assert "/test" not in table
    assert "Test connection" not in table


def test_a_read_session_cannot_test(make_client: MakeClient, providers: ProviderServer) -> None:
    admin = make_client()
    reader = make_client(role="read")
    token = csrf_of(reader.get("/gateways").text)

    page = reader.get(f"/gateways/{INFOBIP}/test")
    posted = reader.post(f"/gateways/{INFOBIP}/test", data={"csrf_token": token})

    assert page.status_code == 403
    assert posted.status_code == 403
    assert "Read-only access" in posted.text
    assert providers.requests == []
    assert connection_tests(store_of(admin)) == []


def test_a_post_without_the_csrf_token_is_refused(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    client = make_client()

    response = client.post(f"/gateways/{INFOBIP}/test", data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert "security token" in response.text
    assert providers.requests == []


def test_an_unknown_gateway_is_not_found(make_client: MakeClient) -> None:
    client = make_client()

    assert client.get("/gateways/nope/test").status_code == 404


@pytest.fixture
def without_a_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The schemas with Infobip's `x-gwctl-verify` block removed."""
    from gwctl.core import providers as provider_registry

    directory = tmp_path / "schema"
    directory.mkdir()
    source = provider_registry.default_schema_dir()
    for path in source.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "infobip.schema.json":
            del schema["x-gwctl-verify"]
        (directory / path.name).write_text(json.dumps(schema), encoding="utf-8")
    monkeypatch.setenv("GWCTL_SCHEMA_DIR", str(directory))
    load_providers.cache_clear()
    yield
    load_providers.cache_clear()


@pytest.mark.usefixtures("without_a_check")
def test_a_provider_without_a_check_says_it_cannot_be_tested(
    make_client: MakeClient, providers: ProviderServer
) -> None:
    client = make_client()

    table = client.get("/gateways").text
    page = client.get(f"/gateways/{INFOBIP}/test").text
    posted = client.post(f"/gateways/{INFOBIP}/test", data={"csrf_token": csrf_of(page)})

    assert "Cannot be tested" in table
    assert "declares no credential check" in page
    assert posted.status_code == 409
    assert "cannot be tested" in posted.text
    assert providers.requests == []
    assert connection_tests(store_of(client)) == []
