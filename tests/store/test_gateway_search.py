"""The Available Gateways table's search in the database (gwctl.store.gateway_search), on
SQLite, PostgreSQL and MariaDB alike: a case-insensitive substring of the Gateway Name or the
key, filters by provider and status, a page in key order with the count of all matches, and
SQL wildcards, quotes and the escape character taken literally."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gwctl.store.context import WriteContext
from gwctl.store.gateway_search import GatewaySearch, SearchResult, search_gateways
from gwctl.store.service import GatewayStore
from tests.support.accounts import valid_credentials
from tests.support.many_gateways import gateway_key, seed_gateways

CONTEXT = WriteContext(token_name=None, actor="search-tests")
# Names a LIKE pattern would misread if its wildcards or quotes were not escaped.
TRICKY_NAMES = {
    "promo-percent": "Promo 100% EU",
    "promo-plain": "Promo 100 EU",
    "under-score": "under_score",
    "under-dash": "under-score",
    "quote": "O'Brien SMS",
    "backslash": "Back\\slash",
    "slash": "A/B routes",
    "umlaut": "Ümlaut Gateway",
}


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(database_url, key_file=key_file)
    yield opened
    opened.close()


def add(store: GatewayStore, key: str, name: str, provider: str = "infobip") -> None:
    store.create_gateway(
        {
            "key": key,
            "provider": provider,
            "name": name,
            "status": "active",
            "sending_pattern": "loop",
            "fallback_sender_id": "SMSPLUS",
            "credentials": valid_credentials(provider),
        },
        CONTEXT,
    )


def search(store: GatewayStore, **fields: object) -> SearchResult:
    return search_gateways(store.engine, store.providers, store.cipher, GatewaySearch(**fields))  # type: ignore[arg-type]


def keys(result: SearchResult) -> list[str]:
    return [item["key"] for item in result.items]


@pytest.fixture
def tricky(store: GatewayStore) -> GatewayStore:
    for key, name in TRICKY_NAMES.items():
        add(store, key, name)
    return store


def test_search_matches_part_of_the_name_ignoring_case(tricky: GatewayStore) -> None:
    assert keys(search(tricky, text="PROMO 100")) == ["promo-percent", "promo-plain"]
    assert keys(search(tricky, text="o'brien")) == ["quote"]


def test_search_matches_part_of_the_key(tricky: GatewayStore) -> None:
    assert keys(search(tricky, text="under-")) == ["under-dash", "under-score"]
    assert keys(search(tricky, text="SLASH")) == ["backslash", "slash"]


def test_search_ignores_case_beyond_ascii_and_compatibility_forms(tricky: GatewayStore) -> None:
    assert keys(search(tricky, text="ümlaut")) == ["umlaut"]
    assert keys(search(tricky, text="ÜMLAUT")) == ["umlaut"]
    assert keys(search(tricky, text="Ｐromo 100%")) == ["promo-percent"]  # full-width P


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["promo-percent"]),
        ("100%", ["promo-percent"]),
        ("_", ["under-score"]),
        ("under_", ["under-score"]),
        ("'", ["quote"]),
        ("\\", ["backslash"]),
        ("/", ["slash"]),
        ("' OR '1'='1", []),
        ("x'; DROP TABLE gateways; --", []),
        ("%%", []),
        ("[a-z]", []),
    ],
)
def test_sql_wildcards_quotes_and_escapes_in_a_search_are_literal(
    tricky: GatewayStore, text: str, expected: list[str]
) -> None:
    assert keys(search(tricky, text=text)) == expected
    assert search(tricky).total == len(TRICKY_NAMES)  # the table is still all there


def test_filters_combine_with_the_search(store: GatewayStore) -> None:
    seed_gateways(store, 30)
    twilio = search(store, provider="twilio")
    assert twilio.total == 10
    assert {item["provider"] for item in twilio.items} == {"twilio"}
    inactive = search(store, status="inactive")
    assert keys(inactive) == [gateway_key(i) for i in (10, 20, 30)]
    assert keys(search(store, text="0001", provider="infobip", status="active")) == [
        gateway_key(1),
        gateway_key(13),
        gateway_key(16),
        gateway_key(19),
    ]


def test_a_page_is_a_slice_in_key_order_with_the_count_of_all_matches(
    store: GatewayStore,
) -> None:
    seed_gateways(store, 30)
    page = search(store, offset=25, limit=10)
    assert page.total == 30
    assert keys(page) == [gateway_key(i) for i in range(26, 31)]
    assert search(store, offset=30, limit=10) == SearchResult(30, [])


def test_a_page_shows_credentials_masked_only(store: GatewayStore) -> None:
    seed_gateways(store, 3)
    infobip = next(item for item in search(store).items if item["provider"] == "infobip")
    secret = infobip["credentials"]["secret_key"]
    assert "value" not in secret
    assert secret["mask"].startswith("••••")
    assert valid_credentials("infobip")["secret_key"] not in repr(search(store))
