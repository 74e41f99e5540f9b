"""Helpers of the "Test connection" tests: the store app pointed at a `ProviderServer`, one
gateway per provider seeded with canary credentials, and a web sign-in for any httpx client
(a TestClient or a client of a real server process)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from gwctl.store.context import WriteContext
from tests.support.accounts import TWILIO_SID
from tests.support.canaries import CANARY_API_KEY, CANARY_HEX, CANARY_PASSWORD, CANARY_SECRET_KEY
from tests.support.people import add_people
from tests.support.web import StoreApp
from tests.support.web_client import csrf_of

PROVIDERS = ("infobip", "twilio", "clickatell")
CLICKATELL_USER = "smsplus-user"
# What the provider server tells the accounts apart by (see tests.support.providers)
IDENTIFIERS = {"infobip": CANARY_API_KEY, "twilio": TWILIO_SID, "clickatell": CLICKATELL_USER}
GATEWAYS = {
    "infobip": {
        "key": "infobip-primary",
        "name": "Infobip I",
        "sending_pattern": "batch",
        "credentials": {"api_key": CANARY_API_KEY, "secret_key": CANARY_SECRET_KEY},
    },
    "twilio": {
        "key": "twilio-us",
        "name": "Twilio US",
        "sending_pattern": "loop",
        "credentials": {"account_sid": TWILIO_SID, "auth_token": CANARY_HEX},
    },
    "clickatell": {
        "key": "clickatell-za",
        "name": "Clickatell ZA",
        "sending_pattern": "batch",
        "credentials": {"username": CLICKATELL_USER, "password": CANARY_PASSWORD},
    },
}
KEYS = {provider: str(gateway["key"]) for provider, gateway in GATEWAYS.items()}


def pointed_at(base_url: str) -> dict[str, str]:
    """Every provider's checks sent to `base_url`."""
    return dict.fromkeys(PROVIDERS, base_url)


def store_app_at(
    tmp_path: Path,
    base_urls: Mapping[str, str],
    *,
    interval: float = 10.0,
    database_url: str | None = None,
) -> StoreApp:
    """The store app (API and web page) with its checks sent to `base_urls`, an admin token
    (alice) and a read token (auditor), and the users of those names (tests.support.people);
    close it with `app.state.store.close()`."""
    from gwctl.store.app import create_app

    url = database_url or f"sqlite:///{tmp_path / 'store.db'}"
    app = create_app(
        url,
        key_file=tmp_path / "store.key",
        verify_base_urls=base_urls,
        connection_test_interval=interval,
    )
    store = app.state.store
    admin = store.create_token("alice", "admin", actor="tests")
    reader = store.create_token("auditor", "read", actor="tests")
    add_people(store, admin, reader)
    return StoreApp(app, url, admin, reader)


def seed(store: Any, *providers: str) -> None:
    """One gateway of each provider named (all three by default), as gwctl apply writes."""
    context = WriteContext(token_name="ci", actor="ci:github:1")
    for provider in providers or PROVIDERS:
        gateway = GATEWAYS[provider]
        store.create_gateway(
            {
                **gateway,
                "provider": provider,
                "status": "active",
                "fallback_sender_id": "SMSPLUS",
            },
            context,
        )


def press_test_connection(client: httpx.Client, key: str) -> httpx.Response:
    """Open a gateway's Test connection page and press its button."""
    page = client.get(f"/gateways/{key}/test")
    assert page.status_code == 200, page.text
    return client.post(f"/gateways/{key}/test", data={"csrf_token": csrf_of(page.text)})


def result_text(html: str) -> str:
    """The result's text on the page, whitespace collapsed and entities for quotes undone."""
    match = re.search(r'id="test-result"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no test result on the page"
    text = re.sub(r"<[^>]+>", " ", match.group(1)).replace("&#39;", "'")
    return " ".join(text.split())
