"""Tokens that expire, keep their last use to the minute, and audit the first use from a new
address (capped per hour), on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gwctl.store import token_use, tokens
from gwctl.store.app import create_app
from gwctl.store.context import Client
from gwctl.store.db import TokenRow
from gwctl.store.errors import ValidationFailed
from gwctl.store.service import GatewayStore
from gwctl.store.token_use import NEW_ADDRESS_CAP, TokenAddressRow
from tests.support.clock import Clock
from tests.support.databases import dump_database
from tests.support.samples import twilio
from tests.support.store_api import TestClient

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/131"


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(database_url, key_file=key_file)
    yield opened
    opened.close()


Connect = Callable[..., TestClient]


@pytest.fixture
def connect(database_url: str, key_file: Path) -> Connect:
    """An API client (the app in-process) presenting `token` from `address`."""

    def client(token: str, address: str = "10.0.0.7") -> TestClient:
        app = create_app(database_url, key_file=key_file, web=False)
        headers = {"Authorization": f"Bearer {token}"}
        return TestClient(app, headers=headers, client=(address, 4242))

    return client


def _token(store: GatewayStore, name: str, lifetime: timedelta | None = None) -> str:
    return tokens.create_token(store.engine, name, "admin", lifetime=lifetime)


def _entries(store: GatewayStore, action: str = "token_new_address") -> list[dict[str, Any]]:
    return [e.details for e in store.list_audit(action=action, limit=1000).items]


def _row(store: GatewayStore, name: str) -> TokenRow:
    with sa.orm.Session(store.engine) as session:
        row = session.scalar(sa.select(TokenRow).where(TokenRow.name == name))
        assert row is not None
        return row


def _statements(engine: sa.Engine, pattern: str) -> list[str]:
    """The SQL statements `engine` runs from now on that match the regular expression."""
    seen: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if re.search(pattern, statement, re.IGNORECASE):
            seen.append(statement)

    return seen


def test_a_token_expires_after_its_lifetime(store: GatewayStore, clock: Clock) -> None:
    token = _token(store, "ci", timedelta(hours=12))

    assert store.authenticate(token) is not None
    clock.advance(timedelta(hours=12))
    assert store.authenticate(token) is None


def test_an_expired_admin_token_gets_401_and_writes_nothing(
    store: GatewayStore, clock: Clock, connect: Connect
) -> None:
    token = _token(store, "ci", timedelta(minutes=30))
    unknown = tokens.TOKEN_PREFIX + "x" * 43
    clock.advance(timedelta(minutes=31))
    before = dump_database(store.engine)
    with connect(token) as expired, connect(unknown) as stranger:
        refused = expired.post("/api/v1/gateways", json=twilio())
        refused_read = expired.get("/api/v1/gateways")
        like_unknown = stranger.post("/api/v1/gateways", json=twilio())

    assert (refused.status_code, refused_read.status_code) == (401, 401)
    assert refused.json() == like_unknown.json()  # the caller cannot tell expired from unknown
    assert refused.headers.get("www-authenticate") == like_unknown.headers.get("www-authenticate")
    after = dump_database(store.engine)
    # a bad token counts against its address (throttle.py), and nothing else is written:
    # no gateway, no last use, no audit entry
    assert len(after.pop("auth_failures")) == 3
    before.pop("auth_failures")
    assert after == before


def test_a_token_used_twice_within_the_minute_updates_its_last_use_once(
    store: GatewayStore, clock: Clock, connect: Connect
) -> None:
    token = _token(store, "ci")
    with connect(token) as api:
        updates = _statements(api.app.state.store.engine, r"^\s*UPDATE tokens\b")  # type: ignore[attr-defined]
        assert api.get("/api/v1/gateways").status_code == 200
        first = _row(store, "ci").last_used_at
        clock.advance(timedelta(seconds=59))
        assert api.get("/api/v1/gateways").status_code == 200
        assert len(updates) == 1
        clock.advance(timedelta(seconds=1))
        assert api.get("/api/v1/gateways").status_code == 200

    assert len(updates) == 2
    last = _row(store, "ci")
    assert first is not None
    assert last.last_used_at == first + timedelta(minutes=1)
    assert last.last_used_from == "10.0.0.7"


def test_the_first_use_from_a_new_address_makes_exactly_one_signed_audit_entry(
    store: GatewayStore, connect: Connect
) -> None:
    token = _token(store, "ci")
    for _ in range(3):
        with connect(token, "10.0.0.7") as api:
            assert api.get("/api/v1/gateways", headers={"User-Agent": BROWSER}).status_code == 200
    with connect(token, "2001:db8::5") as api:
        assert api.get("/api/v1/gateways").status_code == 200

    page = store.list_audit(action="token_new_address").items
    assert [(e.actor, e.token_name, e.details["address"]) for e in page] == [
        ("ci", "ci", "10.0.0.7"),
        ("ci", "ci", "2001:db8::5"),
    ]
    assert page[0].details["user_agent"] == BROWSER
    verdict = store.verify_audit()
    assert verdict.ok
    assert verdict.checkpoint_seq == verdict.entries


def test_concurrent_first_uses_from_one_address_make_one_entry(store: GatewayStore) -> None:
    token = _token(store, "ci")
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(
            pool.map(lambda _: store.authenticate(token, Client.of("10.1.1.1", "ci")), range(16))
        )

    assert all(principal is not None for principal in found)
    assert [e["address"] for e in _entries(store)] == ["10.1.1.1"]


def test_a_flood_from_many_addresses_is_capped_per_hour(store: GatewayStore, clock: Clock) -> None:
    token = _token(store, "stolen")
    for n in range(5 * NEW_ADDRESS_CAP):
        assert store.authenticate(token, Client.of(f"203.0.113.{n}", "bot")) is not None

    entries = _entries(store)
    assert len(entries) == NEW_ADDRESS_CAP
    assert [e.get("cap_reached", False) for e in entries] == [False] * (NEW_ADDRESS_CAP - 1) + [
        True
    ]
    with sa.orm.Session(store.engine) as session:
        kept = session.scalar(sa.select(sa.func.count()).select_from(TokenAddressRow))
    assert kept == NEW_ADDRESS_CAP  # the addresses table is bounded by the same cap
    clock.advance(token_use.NEW_ADDRESS_WINDOW)
    store.authenticate(token, Client.of("203.0.113.99", "bot"))
    assert [e["address"] for e in _entries(store)][-1] == "203.0.113.99"  # room again


def test_a_flood_past_the_cap_never_takes_the_store_write_lock(
    store: GatewayStore, clock: Clock
) -> None:
    token = _token(store, "stolen")
    for n in range(NEW_ADDRESS_CAP):
        store.authenticate(token, Client.of(f"203.0.113.{n}", "bot"))
    writes = _statements(store.engine, r"audit_head|^\s*(INSERT|UPDATE|DELETE)\b")

    for n in range(NEW_ADDRESS_CAP, 3 * NEW_ADDRESS_CAP):
        assert store.authenticate(token, Client.of(f"203.0.113.{n}", "bot")) is not None
    assert writes == []  # a read per request: other writers never wait for the flood


def test_the_cap_counts_per_token(store: GatewayStore) -> None:
    stolen, other = _token(store, "stolen"), _token(store, "other")
    for n in range(NEW_ADDRESS_CAP):
        store.authenticate(stolen, Client.of(f"203.0.113.{n}", "bot"))

    store.authenticate(other, Client.of("198.51.100.1", "ci"))
    assert _entries(store)[-1]["address"] == "198.51.100.1"


def test_the_user_agent_is_audited_cut_short_without_control_characters(
    store: GatewayStore,
) -> None:
    token = _token(store, "ci")
    forged = "curl/8\r\n\x1b[31mfake entry\u202e\u200b" + "A" * 500

    store.authenticate(token, Client.of("10.0.0.8", forged))
    user_agent = _entries(store)[0]["user_agent"]
    assert user_agent.startswith("curl/8[31mfake entryAAA")
    assert len(user_agent) == 200
    assert all(ch.isprintable() for ch in user_agent)


def test_revoking_a_token_forgets_its_addresses(store: GatewayStore) -> None:
    token = _token(store, "ci")
    store.authenticate(token, Client.of("10.0.0.9", "ci"))
    tokens.revoke_token(store.engine, "ci")
    _token(store, "ci")

    with sa.orm.Session(store.engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TokenAddressRow)) == 0


def test_a_lifetime_beyond_two_years_or_under_a_minute_is_refused(store: GatewayStore) -> None:
    for lifetime in (timedelta(days=731), timedelta(seconds=30), timedelta(days=-1)):
        with pytest.raises(ValidationFailed, match="lifetime is 1 minute to 730 days"):
            _token(store, "ci", lifetime)
    assert tokens.list_tokens(store.engine) == []


def test_the_listing_shows_expiry_and_last_use(store: GatewayStore, clock: Clock) -> None:
    token = _token(store, "ci", timedelta(days=90))
    _token(store, "forever")
    _token(store, "short", timedelta(minutes=5))
    store.authenticate(token, Client.of("10.0.0.10", "ci"))
    clock.advance(timedelta(minutes=5))

    listed = {info.name: info for info in tokens.list_tokens(store.engine)}
    assert listed["ci"].last_used_from == "10.0.0.10"
    assert listed["ci"].last_used_at is not None
    assert listed["ci"].expires_at == listed["ci"].created_at + timedelta(days=90)
    assert (listed["forever"].expires_at, listed["forever"].last_used_at) == (None, None)
    assert [(n, i.expired) for n, i in listed.items()] == [
        ("ci", False),
        ("forever", False),
        ("short", True),
    ]


def test_the_token_create_entry_records_the_expiry(store: GatewayStore) -> None:
    _token(store, "ci", timedelta(days=90))
    expires_at = _row(store, "ci").expires_at
    assert expires_at is not None

    assert _entries(store, "token_create")[0]["expires_at"] == expires_at.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_a_database_attacker_who_extends_an_expiry_is_contradicted_by_the_signed_log(
    store: GatewayStore, clock: Clock
) -> None:
    """What docs/threat-model.md says: whoever can write the tokens table can revive a
    token; the store cannot stop that, but the signed `token_create` entry keeps the expiry
    the token was given, and that entry cannot be rewritten unnoticed."""
    token = _token(store, "ci", timedelta(days=1))
    clock.advance(timedelta(days=2))
    assert store.authenticate(token) is None
    with store.engine.begin() as connection:
        connection.execute(sa.update(TokenRow).values(expires_at=None))

    assert store.authenticate(token) is not None  # the limit: the row is the database's
    audited = _entries(store, "token_create")[0]["expires_at"]
    assert audited is not None
    assert _row(store, "ci").expires_at is None
    assert store.verify_audit().ok
