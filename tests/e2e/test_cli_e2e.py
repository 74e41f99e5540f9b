"""End to end through the real CLI: plan, apply, drift, import, history, against the
embedded store and a real uvicorn server, with real sops and age keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gwctl.errors import EXIT_USAGE
from tests.support.canaries import CANARY
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import LiveStore

STORES = ["embedded", "remote"]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest, repo: ConfigRepo) -> str:
    if request.param == "remote":
        request.getfixturevalue("remote")
    return str(request.param)


def assert_no_canary(*outputs: str) -> None:
    for output in outputs:
        assert CANARY not in output


def test_fresh_store_plans_four_creates_then_apply_converges(
    repo: ConfigRepo, store_kind: str
) -> None:
    first = repo.gwctl("plan", "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert first.output.count("+ create") == 4
    assert "Plan: 4 to create" in first.output
    repo.apply()
    second = repo.gwctl("plan", "--detailed-exitcode")
    assert second.exit_code == 0, second.output
    assert "No changes" in second.output
    assert_no_canary(first.output, second.output)


def test_a_changed_field_is_the_only_change_in_the_plan(repo: ConfigRepo, store_kind: str) -> None:
    repo.apply()
    repo.edit_account("twilio-us", status="inactive")
    result = repo.gwctl("plan", "--detailed-exitcode", "--format", "json")
    assert result.exit_code == 2
    plan = json.loads(result.stdout)
    assert [(c["action"], c["key"]) for c in plan["changes"]] == [("update", "twilio-us")]
    assert plan["changes"][0]["fields"] == [
        {"field": "status", "sensitive": False, "old": "active", "new": "inactive"}
    ]


def test_a_rotated_secret_shows_only_a_sensitive_change(repo: ConfigRepo, store_kind: str) -> None:
    repo.apply()
    repo.write_secret("infobip-eu", {**SECRETS["infobip-eu"], "secret_key": CANARY + "-v2"})
    result = repo.gwctl("plan", "--detailed-exitcode")
    assert result.exit_code == 2
    assert "~ update infobip-eu" in result.output
    assert "secret_key: (sensitive value changed)" in result.output
    assert result.output.count("    ") == 1  # one field line, nothing else changed
    assert_no_canary(result.output)
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_an_edit_through_the_api_is_drift_naming_field_and_actor(
    repo: ConfigRepo,
    live_store: LiveStore,
) -> None:
    repo.apply()
    web = live_store.client("web-admin")
    gateway = web.get("/api/v1/gateways/twilio-us").json()
    body = {
        name: gateway[name]
        for name in (
            "key",
            "provider",
            "name",
            "status",
            "sending_pattern",
            "fallback_sender_id",
            "description",
            "signup_link",
        )
    }
    response = web.put(
        "/api/v1/gateways/twilio-us",
        json={**body, "status": "inactive"},
        headers={"If-Match": str(gateway["version"])},
    )
    assert response.status_code == 200, response.text
    drift = repo.gwctl("drift")
    assert drift.exit_code == 2, drift.output
    assert "twilio-us changed by web-admin@web" in drift.output
    assert "status:" in drift.output
    assert "secret_file_digest" not in drift.output  # gwctl's bookkeeping, not a change
    assert "1 account drifted" in drift.output
    repo.apply()
    assert repo.gwctl("drift").exit_code == 0
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_saved_plan_is_refused_after_someone_elses_change(
    repo: ConfigRepo,
    live_store: LiveStore,
    tmp_path: Any,
) -> None:
    repo.apply()
    repo.edit_account("twilio-us", description="reviewed change")
    plan_file = tmp_path / "plan.json"
    assert repo.gwctl("plan", "-o", str(plan_file)).exit_code == 0
    web = live_store.client("web-admin")
    gateway = web.get("/api/v1/gateways/infobip-eu").json()
    body = {
        name: gateway[name]
        for name in (
            "key",
            "provider",
            "name",
            "status",
            "sending_pattern",
            "fallback_sender_id",
            "description",
            "signup_link",
        )
    }
    web.put(
        "/api/v1/gateways/infobip-eu",
        json={**body, "description": "by hand"},
        headers={"If-Match": str(gateway["version"])},
    ).raise_for_status()
    before = web.get("/api/v1/gateways").json()
    result = repo.gwctl("apply", str(plan_file))
    assert result.exit_code == 1
    assert "infobip-eu changed in the store (version 1 → 2)" in result.output
    assert web.get("/api/v1/gateways").json() == before
    assert_no_canary(plan_file.read_text())


def test_a_saved_plan_applies_exactly_when_nothing_changed(repo: ConfigRepo, tmp_path: Any) -> None:
    plan_file = tmp_path / "plan.json"
    assert repo.gwctl("plan", "-o", str(plan_file)).exit_code == 0
    result = repo.gwctl("apply", str(plan_file))
    assert result.exit_code == 0, result.output
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_saved_plan_is_refused_when_the_files_changed(repo: ConfigRepo, tmp_path: Any) -> None:
    plan_file = tmp_path / "plan.json"
    assert repo.gwctl("plan", "-o", str(plan_file)).exit_code == 0
    repo.edit_account("twilio-us", description="edited after the review")
    result = repo.gwctl("apply", str(plan_file))
    assert result.exit_code == 1
    assert "files in gateways.d/" in result.output
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 2  # nothing applied


def test_apply_while_another_holds_the_lock_fails_naming_the_holder(
    repo: ConfigRepo,
    live_store: LiveStore,
) -> None:
    other = live_store.client("other-ci")
    held = other.post(
        "/api/v1/lock", json={"holder": "bob@ci-runner", "reason": "deploy", "ttl_seconds": 300}
    )
    assert held.status_code == 201, held.text
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "locked by bob@ci-runner" in result.output
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 2  # nothing applied
    status = repo.gwctl("lock", "status")
    assert "bob@ci-runner" in status.output
    assert repo.gwctl("lock", "release", "--force").exit_code == 0
    repo.apply()


def test_apply_with_no_terminal_and_nothing_piped_is_a_usage_error(repo: ConfigRepo) -> None:
    result = repo.gwctl("apply")

    assert result.exit_code == EXIT_USAGE
    assert "pipe `yes` into it, pass --auto-approve (CI)" in result.output
    assert "Plan: 4 to create" in result.output  # what it would have applied was shown


def test_apply_takes_yes_from_a_pipe(repo: ConfigRepo) -> None:
    result = repo.gwctl("apply", input="yes\n")

    assert result.exit_code == 0, result.output
    assert "Applied in one changeset" in result.output
    assert "No changes" in repo.gwctl("plan").output


def test_apply_takes_anything_else_from_a_pipe_as_no(repo: ConfigRepo) -> None:
    result = repo.gwctl("apply", input="nope\n")

    assert result.exit_code == 0, result.output
    assert "Nothing applied." in result.output
    assert "Plan: 4 to create" in repo.gwctl("plan").output


def test_a_removed_file_is_kept_without_prune(repo: ConfigRepo) -> None:
    repo.apply()
    repo.remove_account("twilio-us")
    result = repo.gwctl("plan", "--detailed-exitcode")
    assert result.exit_code == 0
    assert "kept (use --prune to delete them): twilio-us" in result.output
    pruned = repo.gwctl("apply", "--auto-approve", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "- delete twilio-us" in pruned.output


def test_a_protected_account_is_never_deleted_even_with_force(repo: ConfigRepo) -> None:
    repo.apply()
    repo.remove_account("infobip-transactional")  # protect: true in the example
    result = repo.gwctl("apply", "--auto-approve", "--prune", "--force")
    assert result.exit_code == 1
    assert "protected account(s): infobip-transactional" in result.output
    assert repo.gwctl("gateways").output.count("Infobip II") == 1


def test_deleting_5_of_12_managed_accounts_needs_force(repo: ConfigRepo) -> None:
    for number in range(8):
        repo.write_account(
            f"extra-{number}",
            {
                "provider": "infobip",
                "name": f"Extra {number}",
                "status": "active",
                "sending_pattern": "loop",
                "fallback_sender_id": "SMSPLUS",
            },
        )
        repo.write_secret(
            f"extra-{number}",
            {"api_key": f"extra-api-{number:04d}", "secret_key": f"extra-secret-{number:04d}"},
        )
    repo.apply()
    for number in range(5):
        repo.remove_account(f"extra-{number}")
    refused = repo.gwctl("apply", "--auto-approve", "--prune")
    assert refused.exit_code == 1
    assert "5 of 12 managed accounts" in refused.output
    assert "--force" in refused.output
    forced = repo.gwctl("apply", "--auto-approve", "--prune", "--force")
    assert forced.exit_code == 0, forced.output


def test_moved_from_renames_in_place(repo: ConfigRepo) -> None:
    repo.apply()
    fields = repo.read_account("twilio-us")
    repo.remove_account("twilio-us")
    repo.write_account("twilio-na", {**fields, "moved_from": "twilio-us"})
    repo.write_secret("twilio-na", SECRETS["twilio-us"])
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "> rename twilio-us → twilio-na" in result.output
    history = repo.gwctl("history", "twilio-na", "--format", "json")
    assert [entry["action"] for entry in json.loads(history.stdout)][-1] == "rename"


def test_import_adopts_accounts_made_by_hand(repo: ConfigRepo, live_store: LiveStore) -> None:
    web = live_store.client("web-admin")
    response = web.post(
        "/api/v1/gateways",
        json={
            "key": "made-by-hand",
            "provider": "clickatell",
            "name": "Clickatell Manual",
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
            "credentials": {"username": "manual-user", "password": CANARY + "-manual"},
        },
    )
    assert response.status_code == 201, response.text
    repo.apply()
    assert "Unmanaged" in repo.gwctl("plan").output
    result = repo.gwctl("import", "made-by-hand", "--format", "json")
    assert result.exit_code == 0, result.output
    [done] = json.loads(result.stdout)
    assert done["key"] == "made-by-hand"
    assert {"gateways.d/made-by-hand.yaml", "gateways.d/made-by-hand.secret.yaml"} <= set(
        done["files"]
    )
    secret_file = repo.root / "gateways.d" / "made-by-hand.secret.yaml"
    assert "sops:" in secret_file.read_text()
    assert CANARY not in secret_file.read_text()
    assert repo.gwctl("validate", "--decrypt", str(repo.root)).exit_code == 0
    final = repo.gwctl("plan", "--detailed-exitcode")
    assert final.exit_code == 0, final.output
    assert_no_canary(result.output, final.output)


def test_history_and_audit_verify(repo: ConfigRepo) -> None:
    repo.apply()
    text = repo.gwctl("history")
    assert "create infobip-eu" in text.output
    csv_out = repo.gwctl("history", "--format", "csv").output
    assert csv_out.splitlines()[0].startswith("seq,at,actor")
    assert repo.gwctl("audit", "verify").exit_code == 0
    assert_no_canary(text.output, csv_out)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_plan_format_or_saved_plan_holds_a_secret(
    repo: ConfigRepo, fmt: str, tmp_path: Any
) -> None:
    plan_file = tmp_path / "plan.json"
    result = repo.gwctl("plan", "--format", fmt, "-o", str(plan_file))
    assert result.exit_code == 0
    assert_no_canary(result.output, plan_file.read_text())
    repo.apply()
    entries = repo.gwctl("history", "--format", "json").output
    assert_no_canary(entries)


def test_history_filters_by_actor_and_time(repo: ConfigRepo, live_store: LiveStore) -> None:
    repo.apply()
    web = live_store.client("web-admin")
    gateway = web.get("/api/v1/gateways/twilio-us").json()
    web.delete(
        "/api/v1/gateways/twilio-us", headers={"If-Match": str(gateway["version"])}
    ).raise_for_status()
    by_web = json.loads(
        repo.gwctl("history", "--actor", "web-admin@web", "--format", "json").stdout
    )
    assert [(e["action"], e["key"]) for e in by_web] == [("delete", "twilio-us")]
    later = json.loads(repo.gwctl("history", "--since", by_web[0]["at"], "--format", "json").stdout)
    assert ("delete", "twilio-us") in [(e["action"], e["key"]) for e in later]
    assert all(e["at"] >= by_web[0]["at"] for e in later)


def test_an_account_deleted_live_is_drift_naming_who(
    repo: ConfigRepo, live_store: LiveStore
) -> None:
    repo.apply()
    web = live_store.client("web-admin")
    gateway = web.get("/api/v1/gateways/twilio-us").json()
    web.delete(
        "/api/v1/gateways/twilio-us", headers={"If-Match": str(gateway["version"])}
    ).raise_for_status()
    drift = repo.gwctl("drift")
    assert drift.exit_code == 2
    assert "twilio-us deleted by web-admin@web" in drift.output
    repo.apply()
    assert repo.gwctl("drift").exit_code == 0


def test_a_saved_plan_keeps_its_prune_setting(repo: ConfigRepo, tmp_path: Any) -> None:
    repo.apply()
    repo.remove_account("twilio-us")
    plan_file = tmp_path / "plan.json"
    assert repo.gwctl("plan", "--prune", "-o", str(plan_file)).exit_code == 0
    result = repo.gwctl("apply", str(plan_file))
    assert result.exit_code == 0, result.output
    assert "- delete twilio-us" in result.output


@pytest.mark.parametrize("content", ["not json", "{}", '{"format_version": 99}', "[]"])
def test_a_file_that_is_not_a_plan_is_refused_clearly(
    repo: ConfigRepo, tmp_path: Any, content: str
) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(content)
    result = repo.gwctl("apply", str(plan_file))
    assert result.exit_code == 1
    assert "gwctl plan -o FILE" in result.output or "make a new plan" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [("plan",), ("apply", "--auto-approve"), ("drift",)])
def test_a_config_with_errors_never_reaches_the_store(
    repo: ConfigRepo, command: tuple[str, ...]
) -> None:
    repo.edit_account("twilio-us", sending_pattern="batch")
    result = repo.gwctl(*command)
    assert result.exit_code == 1
    assert "Twilio does not accept batches" in result.output
    assert not (repo.root / ".gwctl").exists()  # the embedded store was never even opened


def test_saving_a_plan_into_a_missing_folder_is_a_clear_error(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "plan.json"

    result = repo.gwctl("plan", "-o", str(target))

    assert result.exit_code == 1
    assert f"error: cannot save the plan to {target}: No such file or directory" in result.output
    assert "internal error" not in result.output


def test_one_unchanged_account_is_counted_in_the_singular(repo: ConfigRepo) -> None:
    for key in ("infobip-eu", "infobip-transactional", "clickatell-africa"):
        repo.remove_account(key)
    repo.apply()

    assert "The store matches gateways.d/ (1 account)." in repo.gwctl("plan").output


def test_history_since_a_date_takes_that_day_in_utc(repo: ConfigRepo) -> None:
    repo.apply()

    today = json.loads(repo.gwctl("history", "--since", "2000-01-01", "--format", "json").stdout)
    future = repo.gwctl("history", "--since", "2999-01-01")
    wrong = repo.gwctl("history", "--since", "yesterday")

    assert len(today) >= 4
    assert future.output.strip() == "No audit entries match."
    assert wrong.exit_code == EXIT_USAGE
    assert "'yesterday' is not a date or time" in wrong.output
