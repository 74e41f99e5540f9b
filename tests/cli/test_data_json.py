"""`--format json` on the commands that print data: the same facts as the text, for tools,
and never a credential."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.canaries import assert_no_secret
from tests.support.cli import invoke
from tests.support.repos import ConfigRepo


def data(*args: str | Path) -> object:
    outcome = invoke(*args)
    assert outcome.exit_code == 0, outcome.output
    assert_no_secret(outcome.stdout, outcome.stderr)
    return json.loads(outcome.stdout)


def test_providers_as_json_name_their_credential_fields_and_columns() -> None:
    providers = data("providers", "--format", "json")

    assert isinstance(providers, list)
    twilio = next(p for p in providers if p["id"] == "twilio")
    assert twilio["credentials"][0] == {
        "name": "account_sid",
        "title": "SID",
        "column": "api_key",
        "secret": False,
    }
    assert twilio["verifiable"] is True


def test_gateways_as_json_are_the_stores_masked_view(repo: ConfigRepo) -> None:
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0

    gateways = data("-C", repo.root, "gateways", "--format", "json")

    assert isinstance(gateways, list)
    assert sorted(g["key"] for g in gateways) == [
        "clickatell-africa",
        "infobip-eu",
        "infobip-transactional",
        "twilio-us",
    ]


def test_lock_status_as_json(repo: ConfigRepo) -> None:
    assert data("-C", repo.root, "lock", "status", "--format", "json") == {"held": False}


def test_audit_verify_as_json(repo: ConfigRepo) -> None:
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0

    verdict = data("-C", repo.root, "audit", "verify", "--format", "json")

    assert isinstance(verdict, dict)
    assert verdict["ok"] is True


def test_token_list_as_json_never_holds_a_token(tmp_path: Path) -> None:
    created = invoke("-C", tmp_path, "store", "token", "create", "auditor", "--role", "read")
    token = created.stdout.strip()

    listed = invoke("-C", tmp_path, "store", "token", "list", "--format", "json")

    [info] = json.loads(listed.stdout)
    assert (info["name"], info["role"]) == ("auditor", "read")
    assert token not in listed.stdout


# --- errors, with --format json, are a JSON object on stdout too --------------------------------


def test_a_config_error_of_plan_is_json_on_stdout_with_each_problem(repo: ConfigRepo) -> None:
    repo.edit_account("twilio-us", fallback_sender_id="TOO-LONG-SENDER")

    outcome = invoke("-C", repo.root, "plan", "--format", "json")

    assert outcome.exit_code == 1
    report = json.loads(outcome.stdout)
    assert report["error"]["code"] == "config_error"
    [problem] = report["problems"]
    assert problem["file"] == "gateways.d/twilio-us.yaml"
    assert (problem["line"], problem["column"]) > (0, 0)
    assert "gateways.d/twilio-us.yaml:" in outcome.stderr  # people still read it in the log


def test_another_error_is_json_with_its_kind(repo: ConfigRepo) -> None:
    outcome = invoke("-C", repo.root, "verify", "nowhere", "--format", "json")

    assert outcome.exit_code == 1
    error = json.loads(outcome.stdout)["error"]
    assert error == {
        "message": "no account 'nowhere' in gateways.d/; accounts: clickatell-africa, "
        "infobip-eu, infobip-transactional, twilio-us",
        "code": "unknown_account",
        "exit_code": 1,
    }


def test_without_json_errors_stay_off_stdout(repo: ConfigRepo) -> None:
    outcome = invoke("-C", repo.root, "verify", "nowhere")

    assert outcome.stdout == ""
    assert outcome.stderr.startswith("error: no account 'nowhere'")


def test_apply_as_json_is_one_object_with_the_outcome_and_the_plan(repo: ConfigRepo) -> None:
    first = data("-C", repo.root, "apply", "--auto-approve", "--format", "json")
    again = data("-C", repo.root, "apply", "--auto-approve", "--format", "json")

    assert isinstance(first, dict)
    assert isinstance(again, dict)
    assert first["outcome"] == "applied"
    assert first["changeset_id"]
    assert len(first["plan"]["changes"]) == 4
    assert (again["outcome"], again["changeset_id"]) == ("no changes", None)
