"""Apply under faults: lost responses, 500s, concurrent applies and gwctl killed mid-apply.
The store must end all-before or all-after, and a re-run must converge without duplicates."""

from __future__ import annotations

import json
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
from tests.support.canaries import CANARY
from tests.support.faults import FaultProxy
from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore


@pytest.fixture
def proxy(
    repo: ConfigRepo, live_store: LiveStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultProxy]:
    upstream = int(live_store.server.base_url.rsplit(":", 1)[1])
    fault_proxy = FaultProxy(upstream).start()
    monkeypatch.setenv("GWCTL_STORE_URL", fault_proxy.url)
    monkeypatch.setenv("GWCTL_TOKEN", create_admin_token(repo.database_url, "ci"))
    yield fault_proxy
    fault_proxy.stop()


def audit_actions(client: httpx.Client) -> list[str]:
    return [
        f"{e['action']} {e['key']}"
        for e in client.get("/api/v1/audit?limit=1000").json()["items"]
        if e["action"] in ("create", "update", "delete", "rename")
    ]


def test_a_lost_response_is_retried_and_applied_once(
    repo: ConfigRepo,
    live_store: LiveStore,
    proxy: FaultProxy,
) -> None:
    proxy.faults.append("drop_response")
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    changesets = [line for line in proxy.seen if line.startswith("/api/v1/changesets")]
    assert changesets == ["/api/v1/changesets drop_response", "/api/v1/changesets ok"]
    auditor = live_store.client("auditor")
    assert sorted(audit_actions(auditor)) == sorted(
        f"create {key}"
        for key in ("clickatell-africa", "infobip-eu", "infobip-transactional", "twilio-us")
    )
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_500_is_retried(repo: ConfigRepo, live_store: LiveStore, proxy: FaultProxy) -> None:
    proxy.faults.extend(["error_500", "error_500"])
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_store_that_keeps_failing_leaves_everything_as_before(
    repo: ConfigRepo,
    live_store: LiveStore,
    proxy: FaultProxy,
) -> None:
    proxy.faults.extend(["error_500"] * 10)
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "after 5 attempts" in result.output
    auditor = live_store.client("auditor")
    assert auditor.get("/api/v1/gateways").json()["items"] == []
    assert auditor.get("/api/v1/lock").json() == {"held": False}
    proxy.faults.clear()
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0


def _gwctl_process(repo: ConfigRepo, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gwctl", "-C", str(repo.root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def remote_env(repo: ConfigRepo, live_store: LiveStore) -> dict[str, str]:
    return {
        **os.environ,
        "GWCTL_STORE_URL": live_store.server.base_url,
        "GWCTL_TOKEN": create_admin_token(repo.database_url, "ci"),
    }


def test_two_applies_at_once_never_both_apply(
    repo: ConfigRepo,
    live_store: LiveStore,
    remote_env: dict[str, str],
) -> None:
    processes = [_gwctl_process(repo, "apply", "--auto-approve", env=remote_env) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    codes = [process.returncode for process in processes]
    applied = [
        out
        for (out, _err), code in zip(outputs, codes, strict=True)
        if code == 0 and "Applied in one changeset" in out
    ]
    assert len(applied) == 1, outputs
    for (out, err), code in zip(outputs, codes, strict=True):
        if out not in applied:
            assert (code == 1 and "locked by" in err) or (code == 0 and "No changes" in out)
    assert len(audit_actions(live_store.client("auditor"))) == 4


def test_a_second_apply_waits_for_the_lock_with_a_timeout(
    repo: ConfigRepo,
    live_store: LiveStore,
    remote_env: dict[str, str],
) -> None:
    processes = [
        _gwctl_process(repo, "apply", "--auto-approve", "--lock-timeout", "60", env=remote_env)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sum("Applied in one changeset" in out for out, _ in outputs) == 1
    assert len(audit_actions(live_store.client("auditor"))) == 4


def _wait_for_lock(client: httpx.Client, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not client.get("/api/v1/lock").json()["held"]:
        assert time.monotonic() < deadline, "gwctl never took the lock"
        time.sleep(0.01)


@pytest.mark.parametrize("moment", ["0.3s", "0.8s", "1.5s", "holding the lock"])
def test_gwctl_killed_during_apply_then_rerun_converges(
    repo: ConfigRepo,
    live_store: LiveStore,
    remote_env: dict[str, str],
    moment: str,
) -> None:
    auditor = live_store.client("auditor")
    victim = _gwctl_process(repo, "apply", "--auto-approve", "--lock-ttl", "5", env=remote_env)
    if moment == "holding the lock":
        _wait_for_lock(auditor)
    else:
        time.sleep(float(moment.removesuffix("s")))
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert len(auditor.get("/api/v1/gateways").json()["items"]) in (0, 4)  # before or after
    rerun = _gwctl_process(repo, "apply", "--auto-approve", "--lock-timeout", "30", env=remote_env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, (out, err)
    plan = _gwctl_process(repo, "plan", "--detailed-exitcode", env=remote_env)
    plan.communicate(timeout=60)
    assert plan.returncode == 0
    assert sorted(audit_actions(auditor)) == sorted(
        f"create {key}"
        for key in ("clickatell-africa", "infobip-eu", "infobip-transactional", "twilio-us")
    )
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True


def test_the_canary_never_reaches_the_store_log_or_the_database_file(
    repo: ConfigRepo,
    live_store: LiveStore,
    remote_env: dict[str, str],
) -> None:
    process = _gwctl_process(repo, "apply", "--auto-approve", env=remote_env)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    auditor = live_store.client("auditor")
    dumps: list[Any] = [auditor.get("/api/v1/gateways").json(), auditor.get("/api/v1/audit").json()]
    for text in (out, err, live_store.server.log(), json.dumps(dumps)):
        assert CANARY not in text
    database = Path(repo.database_url.removeprefix("sqlite:///"))
    assert CANARY.encode() not in database.read_bytes()
