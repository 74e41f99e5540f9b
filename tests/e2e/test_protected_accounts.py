"""gwctl keeps working with the store's own protect rule (issue 12): a file that turns
`protect: true` off and changes more applies in one apply, as an `unprotect` write followed by
the rest; the account can then be pruned, and a protected one still cannot. Through the real
CLI, against the embedded store and a real uvicorn server."""

from __future__ import annotations

import json

import pytest

from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore

KEY = "infobip-transactional"  # protect: true in the example
PLAIN = ("provider", "name", "status", "sending_pattern", "fallback_sender_id", "description")


@pytest.fixture(params=["embedded", "remote"])
def store_kind(request: pytest.FixtureRequest, repo: ConfigRepo) -> str:
    if request.param == "remote":
        request.getfixturevalue("remote")
    return str(request.param)


def history(repo: ConfigRepo) -> list[tuple[str, list[str]]]:
    entries = json.loads(repo.gwctl("history", KEY, "--format", "json").stdout)
    return [(entry["action"], entry["fields"]) for entry in entries]


def test_unprotecting_and_editing_an_account_applies_as_two_audited_writes(
    repo: ConfigRepo, store_kind: str
) -> None:
    repo.apply()
    repo.edit_account(KEY, protect=False, description="to be retired")

    repo.apply()

    assert history(repo)[-2:] == [("unprotect", ["protect"]), ("update", ["description"])]
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output


def test_an_unprotected_account_is_pruned_by_the_next_apply(
    repo: ConfigRepo, store_kind: str
) -> None:
    repo.apply()
    repo.edit_account(KEY, protect=False)
    repo.apply()
    repo.remove_account(KEY)

    output = repo.apply("--prune")

    assert f"- delete {KEY}" in output
    assert [action for action, _ in history(repo)][-2:] == ["unprotect", "delete"]


def test_a_protected_account_is_still_refused_by_gwctl_before_the_store(repo: ConfigRepo) -> None:
    repo.apply()
    repo.remove_account(KEY)

    result = repo.gwctl("apply", "--auto-approve", "--prune", "--force")

    assert result.exit_code == 1
    assert f"protected account(s): {KEY}" in result.output
    assert [action for action, _ in history(repo)] == ["create"]


def test_a_protection_removed_outside_gwctl_is_drift_naming_who(
    repo: ConfigRepo, live_store: LiveStore
) -> None:
    repo.apply()
    web = live_store.client("web-admin")
    gateway = web.get(f"/api/v1/gateways/{KEY}").json()
    body = {name: gateway[name] for name in PLAIN}
    web.put(
        f"/api/v1/gateways/{KEY}",
        json={**body, "protect": False},
        headers={"If-Match": str(gateway["version"])},
    ).raise_for_status()

    drift = repo.gwctl("drift")

    assert drift.exit_code == 2, drift.output
    assert f"{KEY} changed by web-admin@web" in drift.output
    assert "protect:" in drift.output
    repo.apply()
    assert web.get(f"/api/v1/gateways/{KEY}").json()["protect"] is True
