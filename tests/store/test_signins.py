"""Signing people in, played by an attacker: no user enumeration, guessing throttled per
client address and per user name (from any number of addresses), throttled attempts cost no
argon2 work, a bounded number of audit entries, and never a password at rest. On SQLite,
PostgreSQL and MariaDB, through the functions the web page calls.

The limits are small here (each argon2 check costs real time); the defaults are the same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gwctl.store import sessions, signins, users
from gwctl.store.context import USER_AGENT_MAX, Client
from gwctl.store.db import write_transaction
from gwctl.store.errors import ValidationFailed
from gwctl.store.service import GatewayStore
from gwctl.store.throttle import ACCOUNT_KEY_PURPOSE, Limits, Throttle, Throttled
from tests.support.canaries import CANARY_ADMIN_PASSWORD

LIMITS = Limits(window_seconds=600, per_address=4, per_account=3, tokens_per_address=3)
HERE = Client("198.51.100.7", "Mozilla/5.0 (tests)")
WRONG = "not the password, a guess"


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(database_url, key_file=key_file)
    users.create_user(opened.engine, "alice", "admin", CANARY_ADMIN_PASSWORD)
    yield opened
    opened.close()


@pytest.fixture
def throttle(store: GatewayStore) -> Throttle:
    return Throttle(store.engine, store.cipher.derive(ACCOUNT_KEY_PURPOSE), LIMITS)


class CountingHasher:
    """The store's real argon2 hasher, counting its verifications."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[str] = []

    def verify(self, stored: str, password: str) -> bool:
        self.calls.append("verify")
        return bool(self.real.verify(stored, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the store runs (the real one, counted)."""
    counting = CountingHasher(users._HASHER)
    monkeypatch.setattr(users, "_HASHER", counting)
    return counting.calls


def attempt(
    store: GatewayStore, throttle: Throttle, name: str, password: str, client: Any = HERE
) -> Any:
    return signins.sign_in(store.engine, throttle, name, password, client)


def from_address(n: int) -> Client:
    return Client(f"203.0.113.{n}", "curl/8")


def audit_actions(store: GatewayStore) -> list[str]:
    return [entry.action for entry in store.list_audit(limit=1000).items]


def test_the_right_password_signs_in_and_is_audited(
    store: GatewayStore, throttle: Throttle
) -> None:
    outcome = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)

    assert isinstance(outcome, signins.SignedIn)
    assert sessions.get_session(store.engine, outcome.session_id) is not None
    [entry] = store.list_audit(action="signin").items
    assert entry.actor == "web:alice"
    assert entry.details == {
        "user": "alice",
        "address": "198.51.100.7",
        "user_agent": "Mozilla/5.0 (tests)",
    }
    [listed] = users.list_users(store.engine)
    assert listed.last_signin_at is not None


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
    store: GatewayStore, throttle: Throttle, argon2_checks: list[str]
) -> None:
    unknown = attempt(store, throttle, "mallory", WRONG)
    wrong = attempt(store, throttle, "alice", WRONG)

    assert type(unknown) is type(wrong) is signins.WrongCredentials
    assert argon2_checks == ["verify", "verify"]  # the unknown name cost one check too


def test_a_failed_sign_in_of_an_unknown_name_does_not_record_the_name(
    store: GatewayStore, throttle: Throttle
) -> None:
    pasted = "Tr0ub4dor&3-pasted-into-the-name"  # a password typed into the name field
    attempt(store, throttle, pasted, WRONG)

    [entry] = store.list_audit(action="signin_failed").items
    assert entry.actor == "web:(unknown)"
    assert entry.details["user"] == "(unknown)"
    assert pasted not in dump(store)


def test_a_disabled_user_cannot_sign_in_and_loses_live_sessions(
    store: GatewayStore, throttle: Throttle
) -> None:
    live = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    assert isinstance(live, signins.SignedIn)

    users.disable_user(store.engine, "alice")

    assert sessions.get_session(store.engine, live.session_id) is None
    refused = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    assert isinstance(refused, signins.WrongCredentials)
    assert "user_disable" in audit_actions(store)


def test_a_re_enabled_user_signs_in_again_with_the_same_password(
    store: GatewayStore, throttle: Throttle
) -> None:
    users.disable_user(store.engine, "alice")
    users.enable_user(store.engine, "alice")

    assert isinstance(attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD), signins.SignedIn)
    [entry] = store.list_audit(action="user_enable").items
    assert entry.details == {"name": "alice"}


def test_a_password_reset_ends_every_session_and_only_the_new_password_signs_in(
    store: GatewayStore, throttle: Throttle
) -> None:
    live = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    assert isinstance(live, signins.SignedIn)
    new_password = "a new password from the administrator"

    users.reset_password(store.engine, "alice", new_password)

    assert sessions.get_session(store.engine, live.session_id) is None
    old = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    assert isinstance(old, signins.WrongCredentials)
    assert isinstance(attempt(store, throttle, "alice", new_password), signins.SignedIn)
    [entry] = store.list_audit(action="password_reset").items
    assert (entry.actor, entry.details) == ("gwctl-cli", {"name": "alice"})
    assert new_password not in dump(store)


def test_a_reset_password_follows_the_same_rules_as_a_new_one(store: GatewayStore) -> None:
    with pytest.raises(ValidationFailed, match="12 to 128 characters"):
        users.reset_password(store.engine, "alice", "short")
    assert "password_reset" not in audit_actions(store)


def test_a_role_change_is_the_role_of_the_user_from_then_on(store: GatewayStore) -> None:
    users.set_user_role(store.engine, "alice", "read")

    verified = users.verify_password(store.engine, "alice", CANARY_ADMIN_PASSWORD)
    assert verified.principal is not None
    assert verified.principal.role == "read"
    [entry] = store.list_audit(action="user_role").items
    assert entry.details == {"name": "alice", "role": "read"}
    with pytest.raises(ValidationFailed, match="role must be one of: admin, read"):
        users.set_user_role(store.engine, "alice", "owner")


def test_the_per_account_limit_holds_from_many_addresses(
    store: GatewayStore, throttle: Throttle, argon2_checks: list[str]
) -> None:
    for n in range(LIMITS.per_account):
        attempt(store, throttle, "alice", WRONG, from_address(n))
    argon2_checks.clear()

    locked = attempt(store, throttle, "ALICE", CANARY_ADMIN_PASSWORD, from_address(99))

    assert isinstance(locked, Throttled)
    assert locked.scope == "account"
    assert 1 <= locked.retry_after <= LIMITS.window_seconds
    assert argon2_checks == []  # refused before any password work, even the right one


def test_the_per_address_limit_holds_across_user_names(
    store: GatewayStore, throttle: Throttle
) -> None:
    for n in range(LIMITS.per_address):
        attempt(store, throttle, f"guess{n}", WRONG)

    locked = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    elsewhere = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD, from_address(1))

    assert isinstance(locked, Throttled)
    assert locked.scope == "address"
    assert isinstance(elsewhere, signins.SignedIn)


def test_a_success_does_not_reset_the_address_counter_of_other_names(
    store: GatewayStore, throttle: Throttle
) -> None:
    for n in range(LIMITS.per_address - 1):
        attempt(store, throttle, f"guess{n}", WRONG)
    assert isinstance(attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD), signins.SignedIn)

    attempt(store, throttle, "guess-last", WRONG)

    assert isinstance(attempt(store, throttle, "guess-more", WRONG), Throttled)


def test_a_success_forgives_the_users_own_typos_from_that_address(
    store: GatewayStore, throttle: Throttle
) -> None:
    for _ in range(LIMITS.per_account - 1):
        attempt(store, throttle, "alice", WRONG)
    attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)

    for _ in range(LIMITS.per_account - 1):
        assert isinstance(attempt(store, throttle, "alice", WRONG), signins.WrongCredentials)


def test_an_attacker_makes_a_bounded_number_of_audit_entries(
    store: GatewayStore, throttle: Throttle
) -> None:
    outcomes = [attempt(store, throttle, f"guess{n}", WRONG) for n in range(3 * LIMITS.per_address)]

    actions = audit_actions(store)
    assert actions.count("signin_failed") == LIMITS.per_address
    assert actions.count("signin_locked") == 1
    assert sum(isinstance(o, Throttled) for o in outcomes) == 2 * LIMITS.per_address
    [locked] = store.list_audit(action="signin_locked").items
    assert (locked.details["scope"], locked.details["via"]) == ("address", "web")


def test_the_audited_user_agent_is_cut_and_stripped_of_control_characters(
    store: GatewayStore, throttle: Throttle
) -> None:
    forged = Client.of("192.0.2.1", "evil\r\n\x1b[31mred\u202e" + "x" * 500)
    attempt(store, throttle, "alice", WRONG, forged)

    [entry] = store.list_audit(action="signin_failed").items
    agent = entry.details["user_agent"]
    assert agent.startswith("evil[31mred")
    assert len(agent) == USER_AGENT_MAX
    assert all(ch.isprintable() for ch in agent)


def test_a_password_change_needs_the_current_one_and_ends_other_sessions(
    store: GatewayStore, throttle: Throttle
) -> None:
    kept = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    other = attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    assert isinstance(kept, signins.SignedIn)
    assert isinstance(other, signins.SignedIn)
    keep = sessions.session_id_hash(kept.session_id)
    new = "a new and long passphrase"

    with pytest.raises(ValidationFailed, match="current password is not right"):
        signins.change_password(
            store.engine, throttle, kept.principal, (WRONG, new), HERE, keep_session_hash=keep
        )
    signins.change_password(
        store.engine,
        throttle,
        kept.principal,
        (CANARY_ADMIN_PASSWORD, new),
        HERE,
        keep_session_hash=keep,
    )

    assert sessions.get_session(store.engine, kept.session_id) is not None
    assert sessions.get_session(store.engine, other.session_id) is None
    assert isinstance(
        attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD), signins.WrongCredentials
    )
    assert isinstance(attempt(store, throttle, "alice", new), signins.SignedIn)
    assert "password_change" in audit_actions(store)


def test_no_password_is_stored_in_clear_anywhere(store: GatewayStore, throttle: Throttle) -> None:
    attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD)
    attempt(store, throttle, "alice", CANARY_ADMIN_PASSWORD + "-wrong")

    stored = dump(store)

    assert CANARY_ADMIN_PASSWORD not in stored
    assert "$argon2id$" in stored
    assert "alice" not in " ".join(
        str(row) for row in read_rows(store, "auth_failures")
    )  # user names are counted as HMACs


def test_bad_bearer_tokens_are_counted_per_address_and_the_limit_audited(
    store: GatewayStore, throttle: Throttle
) -> None:
    for _ in range(LIMITS.tokens_per_address):
        assert throttle.token_refusal(HERE.throttle_address) is None
        signins.bad_token(store.engine, throttle, HERE)

    refused = throttle.token_refusal(HERE.throttle_address)

    assert refused is not None
    assert refused.scope == "address"
    assert throttle.token_refusal("192.0.2.99") is None
    [locked] = store.list_audit(action="signin_locked").items
    assert locked.details["via"] == "api"


def read_rows(store: GatewayStore, table: str) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(sa.text(f"SELECT * FROM {table}")))  # noqa: S608


def dump(store: GatewayStore) -> str:
    """Every row of every table, as text."""
    names = sa.inspect(store.engine).get_table_names()
    return "\n".join(str(row) for name in names for row in read_rows(store, name))


def test_an_attempt_is_counted_before_its_password_is_checked(
    store: GatewayStore, throttle: Throttle
) -> None:
    charge = throttle.charge_signin(HERE.throttle_address, "alice")
    assert not isinstance(charge, Throttled)
    assert len(read_rows(store, "auth_failures")) == 1  # counted before any password check

    write_transaction(store.engine, lambda session: throttle.forgive_in(session, charge))

    assert read_rows(store, "auth_failures") == []
