"""A credential changed through the API cannot hide under the digest gwctl applied: a `PUT`
that sends a new value and passes back the current `applied_digest` is still seen by
`gwctl drift` and `gwctl plan`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.repos import ConfigRepo
from tests.support.servers import LiveStore

PLAIN = ("name", "status", "sending_pattern", "fallback_sender_id", "description", "signup_link")


def blind_put(web: httpx.Client, key: str, credentials: dict[str, str]) -> dict[str, Any]:
    """What a careful attacker (or a client that round-trips every field) sends: the new
    credential with everything else as read, the applied digest included."""
    live = web.get(f"/api/v1/gateways/{key}").json()
    body = {
        "provider": live["provider"],
        **{name: live[name] for name in PLAIN if live.get(name) is not None},
        "credentials": credentials,
        "managed_by": live["managed_by"],
        "protect": live["protect"],
        "applied_digest": live["applied_digest"],
    }
    answer = web.put(
        f"/api/v1/gateways/{key}", json=body, headers={"If-Match": str(live["version"])}
    )
    answer.raise_for_status()
    return dict(answer.json())


@pytest.fixture
def blinded(repo: ConfigRepo, remote: LiveStore) -> dict[str, Any]:
    """The accounts applied, then Twilio's auth token changed by a PUT that passes back the
    applied digest; the gateway the store answered."""
    repo.apply()
    web = remote.client("web-admin")
    sid = web.get("/api/v1/gateways/twilio-us").json()["credentials"]["account_sid"]["value"]
    return blind_put(web, "twilio-us", {"account_sid": sid, "auth_token": "f" * 32})


def test_a_credential_put_back_under_the_applied_digest_clears_it(
    blinded: dict[str, Any],
) -> None:
    assert blinded["applied_digest"] is None


@pytest.mark.usefixtures("blinded")
def test_drift_sees_a_credential_changed_under_the_applied_digest(repo: ConfigRepo) -> None:
    drift = repo.gwctl("drift")
    assert drift.exit_code == 2, drift.output
    assert "twilio-us" in drift.output


@pytest.mark.usefixtures("blinded")
def test_plan_sees_a_credential_changed_under_the_applied_digest(repo: ConfigRepo) -> None:
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "auth_token" in plan.output
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0
