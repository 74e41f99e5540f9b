"""The apply lock as a lease, on SQLite, PostgreSQL and MariaDB: a retried request gets its lock
back, renewing keeps it, and a holder that stops renewing loses it within one lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gwctl.store.context import WriteContext
from gwctl.store.db import now_utc
from gwctl.store.errors import LockHeld, LockLost, NotFound
from gwctl.store.models import LockRequest
from gwctl.store.service import GatewayStore
from tests.support.samples import infobip

CI = WriteContext(token_name="ci", actor="ci:github:1")
OTHER = WriteContext(token_name="laptop", actor="alice@laptop")
REQUEST = LockRequest(holder="ci:github:1", reason="gwctl apply", ttl_seconds=60)


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(database_url, key_file=key_file)
    yield opened
    opened.close()


def lease_runs_out(store: GatewayStore) -> None:
    """What a minute without a renewal does: the stored expiry is in the past."""
    with store.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE apply_lock SET expires_at = :past"),
            {"past": (now_utc() - timedelta(seconds=1)).replace(tzinfo=None)},
        )


def expiry(lock_expires_at: str) -> datetime:
    return datetime.fromisoformat(lock_expires_at)


def lock_actions(store: GatewayStore) -> list[str]:
    return [e.action for e in store.list_audit(limit=100).items if e.action.startswith("lock")]


def test_the_same_lock_request_again_gets_the_same_lock_back(store: GatewayStore) -> None:
    first = store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    again = store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    assert again == first
    assert lock_actions(store) == ["lock_acquire"]


def test_a_lock_request_with_another_key_is_refused_while_the_lock_is_held(
    store: GatewayStore,
) -> None:
    store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    with pytest.raises(LockHeld):
        store.acquire_lock(REQUEST, CI, idempotency_key="k-2")


def test_a_lock_request_without_a_key_is_never_taken_for_a_retry(store: GatewayStore) -> None:
    store.acquire_lock(REQUEST, CI)
    with pytest.raises(LockHeld):
        store.acquire_lock(REQUEST, CI)


def test_the_same_key_from_another_token_does_not_get_the_lock(store: GatewayStore) -> None:
    store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    with pytest.raises(LockHeld):
        store.acquire_lock(REQUEST, OTHER, idempotency_key="k-1")


def test_the_same_key_with_another_request_does_not_get_the_lock(store: GatewayStore) -> None:
    store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    other = REQUEST.model_copy(update={"reason": "something else"})
    with pytest.raises(LockHeld):
        store.acquire_lock(other, CI, idempotency_key="k-1")


def test_renewing_moves_the_expiry_one_lease_past_now(store: GatewayStore) -> None:
    lock = store.acquire_lock(REQUEST.model_copy(update={"ttl_seconds": 30}), CI)
    lease_runs_out(store)
    before = now_utc()
    renewed = store.renew_lock(lock.id)
    assert renewed.id == lock.id
    assert renewed.lease_seconds == 30
    assert before + timedelta(seconds=29) <= expiry(renewed.expires_at)
    assert expiry(renewed.expires_at) <= now_utc() + timedelta(seconds=30)
    assert store.get_lock() == renewed


def test_a_lock_whose_lease_ran_out_is_free_for_the_next_writer(store: GatewayStore) -> None:
    store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    lease_runs_out(store)
    assert store.get_lock() is None
    taken = store.acquire_lock(REQUEST, OTHER)
    assert taken.token_name == "laptop"


def test_a_lock_taken_over_after_its_lease_cannot_be_renewed(store: GatewayStore) -> None:
    lost = store.acquire_lock(REQUEST, CI)
    lease_runs_out(store)
    store.acquire_lock(REQUEST, OTHER)
    with pytest.raises(NotFound):
        store.renew_lock(lost.id)


def test_a_retry_after_the_lease_ran_out_takes_a_new_lock(store: GatewayStore) -> None:
    first = store.acquire_lock(REQUEST, CI, idempotency_key="k-1")
    lease_runs_out(store)
    assert store.acquire_lock(REQUEST, CI, idempotency_key="k-1").id != first.id


def test_a_force_released_lock_cannot_be_renewed(store: GatewayStore) -> None:
    lock = store.acquire_lock(REQUEST, CI)
    store.force_release_lock(OTHER)
    with pytest.raises(NotFound):
        store.renew_lock(lock.id)


def test_a_write_that_presents_a_lost_lock_is_refused_and_writes_nothing(
    store: GatewayStore,
) -> None:
    lock = store.acquire_lock(REQUEST, CI)
    store.force_release_lock(OTHER)
    holder = WriteContext(token_name="ci", actor="ci:github:1", lock_id=lock.id)
    with pytest.raises(LockLost, match="no longer held"):
        store.create_gateway(infobip(), holder)
    assert store.list_gateways().items == []


def test_a_write_that_presents_the_held_lock_goes_through(store: GatewayStore) -> None:
    lock = store.acquire_lock(REQUEST, CI)
    holder = WriteContext(token_name="ci", actor="ci:github:1", lock_id=lock.id)
    store.create_gateway(infobip(), holder)
    assert len(store.list_gateways().items) == 1
