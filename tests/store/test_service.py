"""The service layer as the web page and the CLI call it: tokens, web sessions, `gwctl serve
--init`, renames."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gwctl.store import sessions, tokens, users
from gwctl.store.context import Principal, WriteContext
from gwctl.store.db import write_transaction
from gwctl.store.errors import Conflict, NotFound, ValidationFailed
from gwctl.store.service import GatewayStore
from tests.support.samples import clickatell, infobip, logo_field, png, twilio


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(database_url, key_file=key_file)
    yield opened
    opened.close()


def test_tokens_are_stored_hashed_and_verified(store: GatewayStore) -> None:
    token = store.create_token("ci", "admin", actor="ops@host")
    reader = store.create_token("auditor", "read")
    assert token.startswith("gwst_")
    assert len(token) > 40
    assert store.authenticate(token) == Principal("ci", "admin")
    assert store.authenticate(reader) == Principal("auditor", "read")
    assert store.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.authenticate("") is None
    with store.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM tokens")).scalars().all()
    assert token not in stored
    assert tokens.hash_token(token) in stored
    with pytest.raises(Conflict):
        store.create_token("ci", "read")
    with pytest.raises(ValidationFailed):
        store.create_token("bad name", "admin")
    with pytest.raises(ValidationFailed):
        store.create_token("x", "root")
    assert [(t.name, t.role) for t in tokens.list_tokens(store.engine)] == [
        ("auditor", "read"),
        ("ci", "admin"),
    ]
    entries = store.list_audit(action="token_create").items
    never = {"name": "ci", "role": "admin", "expires_at": None}
    assert (entries[0].actor, entries[0].details) == ("ops@host", never)
    assert all(token not in e.model_dump_json() for e in entries)

    tokens.revoke_token(store.engine, "ci")
    assert store.authenticate(token) is None
    with pytest.raises(NotFound):
        tokens.revoke_token(store.engine, "ci")
    assert store.verify_audit().ok


def _session(store: GatewayStore, ttl: timedelta = sessions.SESSION_TTL) -> tuple[str, str]:
    return write_transaction(
        store.engine, lambda s: sessions.create_session_in(s, "alice", "admin", ttl=ttl)
    )


def test_web_sessions_live_in_the_database(store: GatewayStore) -> None:
    users.create_user(store.engine, "alice", "admin", "a long enough password")
    session_id, csrf = _session(store)
    found = sessions.get_session(store.engine, session_id)
    assert found is not None
    assert (found.user_name, found.role, found.csrf_token) == ("alice", "admin", csrf)
    assert found.csrf_matches(csrf)
    assert not found.csrf_matches(csrf + "x")
    assert not found.csrf_matches(None)
    with store.engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id_hash FROM web_sessions")).scalars().all()
    assert session_id not in ids  # only its hash is stored
    assert sessions.get_session(store.engine, "unknown") is None
    assert sessions.get_session(store.engine, None) is None

    sessions.delete_session(store.engine, session_id)
    assert sessions.get_session(store.engine, session_id) is None

    expired, _ = _session(store, timedelta(0))
    assert sessions.get_session(store.engine, expired) is None
    disabled, _ = _session(store)
    users.disable_user(store.engine, "alice")
    assert sessions.get_session(store.engine, disabled) is None


def test_the_service_renames_with_the_same_rules_as_changesets(store: GatewayStore) -> None:
    context = WriteContext(token_name="web", actor="alice")
    store.create_gateway(infobip(), context)
    with pytest.raises(ValidationFailed):
        store.rename_gateway("infobip-primary", "Bad Key", if_version=1, context=context)
    moved = store.rename_gateway("infobip-primary", "infobip-eu", if_version=1, context=context)
    assert (moved.key, moved.version, moved.applied_digest) == ("infobip-eu", 2, None)
    assert store.read_credentials("infobip-eu", context) == infobip()["credentials"]


def test_the_api_list_is_the_page_model_serialized(store: GatewayStore) -> None:
    """The list endpoint serializes gateway_data's dicts directly: the same bytes as the
    GatewayPage model (the OpenAPI document describes), for every kind of value."""
    context = WriteContext(token_name="web", actor='ålice "the" admin\\')
    store.create_gateway(infobip(logo=logo_field(png())), context)
    store.create_gateway(
        infobip(
            "infobip-eu",
            "Infobip Ωmega ☎ \U0001f4e8",
            description="tab\there, new\nline, \u00a0, </script>",
        ),
        context,
    )
    store.create_gateway(twilio(protect=True), context)
    store.create_gateway(clickatell(description=None, signup_link=None), context)
    pages, cursor = [], None
    while True:
        page = store.list_gateways(limit=2, cursor=cursor)
        assert store.list_gateways_json(limit=2, cursor=cursor) == page.model_dump_json().encode()
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(page.items) for page in pages] == [2, 2]
    for provider, status in [("twilio", None), (None, "inactive"), ("infobip", "active")]:
        assert (
            store.list_gateways_json(provider=provider, status=status)
            == store.list_gateways(provider=provider, status=status).model_dump_json().encode()
        )
