"""The apply lock recovers, against a real server on SQLite, PostgreSQL and MariaDB: a lost
answer to taking it is retried and gets the same lock, a SIGKILLed apply frees the store
within its lease, and an apply that runs longer than its lease keeps its lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gwctl.store.server import create_admin_token
from tests.support.databases import DATABASES, fresh_database
from tests.support.faults import FaultProxy
from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore, start_server

LEASE = 5  # seconds: short, so that the tests wait little; apply renews every third of it
TAKE_LOCK = b"POST /api/v1/lock HTTP"  # taking the lock, not renewing it (/lock/<id>/renew)


@pytest.fixture(params=DATABASES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveStore]:
    """A real server on a fresh database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        databases: Iterator[str] = iter([url])
    else:
        databases = fresh_database(request.param)
        url = next(databases)
    key_file = tmp_path / "store.key"
    create_admin_token(url, "bootstrap", key_file=key_file)  # migrates the database
    server = start_server(url, key_file, tmp_path / "server.log")
    live = LiveStore(server, database_url=url, key_file=key_file)
    try:
        yield live
    finally:
        for client in live.clients:
            client.close()
        server.stop()
        next(databases, None)  # drops the server database


def environment(store: LiveStore, url: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "GWCTL_STORE_URL": url or store.server.base_url,
        "GWCTL_TOKEN": create_admin_token(store.database_url, "ci", key_file=store.key_file),
    }


def start_apply(
    repo: ConfigRepo, env: dict[str, str], *args: str, lease: int | None = LEASE
) -> subprocess.Popen[str]:
    """`gwctl apply` as a real process; without --auto-approve it waits for `yes` on stdin,
    holding the lock all the while."""
    lease_option = ["--lock-ttl", str(lease)] if lease else []
    return subprocess.Popen(
        [sys.executable, "-m", "gwctl", "-C", str(repo.root), "apply", *lease_option, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def held_lock(client: httpx.Client, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not (status := client.get("/api/v1/lock").json())["held"]:
        assert time.monotonic() < deadline, "gwctl never took the lock"
        time.sleep(0.05)
    lock: dict[str, Any] = status["lock"]
    return lock


def lock_actions(client: httpx.Client) -> list[str]:
    entries = client.get("/api/v1/audit", params={"limit": 1000}).json()["items"]
    return [entry["action"] for entry in entries if entry["action"].startswith("lock")]


def test_a_lost_answer_to_taking_the_lock_is_retried_and_gets_the_same_lock(
    repo: ConfigRepo, store: LiveStore
) -> None:
    upstream = int(store.server.base_url.rsplit(":", 1)[1])
    proxy = FaultProxy(upstream, target_prefix=TAKE_LOCK).start()
    proxy.faults.append("drop_response")
    try:
        apply = start_apply(repo, environment(store, proxy.url), "--auto-approve")
        out, err = apply.communicate(timeout=120)
    finally:
        proxy.stop()
    assert apply.returncode == 0, (out, err)
    assert "Applied in one changeset" in out
    assert [line for line in proxy.seen if line.startswith("/api/v1/lock ")] == [
        "/api/v1/lock drop_response",
        "/api/v1/lock ok",
    ]
    auditor = store.client("auditor")
    assert lock_actions(auditor) == ["lock_acquire", "lock_release"]
    assert auditor.get("/api/v1/lock").json() == {"held": False}


def test_apply_takes_a_one_minute_lease_by_default(repo: ConfigRepo, store: LiveStore) -> None:
    apply = start_apply(repo, environment(store), lease=None)
    try:
        assert held_lock(store.client("auditor"))["lease_seconds"] == 60
    finally:
        apply.kill()
        apply.communicate(timeout=30)


def test_a_killed_apply_frees_the_store_within_its_lease(
    repo: ConfigRepo, store: LiveStore
) -> None:
    env = environment(store)
    auditor = store.client("auditor")
    victim = start_apply(repo, env)  # waits at the confirmation, holding the lock
    held_lock(auditor)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    killed_at = time.monotonic()
    while auditor.get("/api/v1/lock").json()["held"]:
        assert time.monotonic() - killed_at < LEASE + 2, "the lock outlived its lease"
        time.sleep(0.1)
    rerun = start_apply(repo, env, "--auto-approve")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, (out, err)
    assert "Applied in one changeset" in out


def test_an_apply_that_runs_longer_than_its_lease_keeps_its_lock(
    repo: ConfigRepo, store: LiveStore
) -> None:
    auditor = store.client("auditor")
    apply = start_apply(repo, environment(store))
    lock = held_lock(auditor)
    time.sleep(LEASE * 2.5)  # someone reads the plan at the prompt
    still = held_lock(auditor)
    assert still["id"] == lock["id"]
    assert still["expires_at"] > lock["expires_at"]
    out, err = apply.communicate("yes\n", timeout=120)
    assert apply.returncode == 0, (out, err)
    assert "Applied in one changeset" in out
    assert lock_actions(auditor) == ["lock_acquire", "lock_release"]
