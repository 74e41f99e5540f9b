"""LeaseKeeper on the embedded store: it keeps a lock past its lease, and stops once the lock
is gone."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gwctl.config.settings import load_settings
from gwctl.remote.client import Lock, StoreClient
from gwctl.remote.lease import LeaseKeeper
from gwctl.remote.session import open_store
from tests.support.repos import ConfigRepo


@pytest.fixture
def client(repo: ConfigRepo) -> Iterator[StoreClient]:
    with open_store(load_settings(repo.root, None)) as opened:
        yield opened


def take(client: StoreClient, lease: int) -> Lock:
    return client.acquire_lock(
        holder="alice@laptop", reason="test", ttl_seconds=lease, ci_job=None, source_commit=None
    )


def test_a_kept_lock_outlives_its_lease(client: StoreClient) -> None:
    lock = take(client, lease=3)  # the store keeps whole seconds: a lease of 1 s may end at once
    with LeaseKeeper(client, lock):
        time.sleep(5)
        status = client.lock_status()
    assert status["held"]
    assert status["lock"]["id"] == lock.id


def test_a_lock_left_alone_expires_after_its_lease(client: StoreClient) -> None:
    take(client, lease=1)
    time.sleep(1.5)
    assert client.lock_status() == {"held": False}


def test_the_keeper_stops_renewing_a_lock_that_was_forced_away(client: StoreClient) -> None:
    lock = take(client, lease=1)
    with LeaseKeeper(client, lock) as keeper:
        client.force_release_lock()
        time.sleep(1.0)
        assert not keeper.renewing
    assert client.lock_status() == {"held": False}


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_renewal_after_the_client_closed_ends_the_keeper_quietly(repo: ConfigRepo) -> None:
    with open_store(load_settings(repo.root, None)) as client:
        lock = take(client, lease=2)
    keeper = LeaseKeeper(client, lock)
    with keeper:
        time.sleep(1.5)  # the first renewal meets a closed client
        assert not keeper.renewing
