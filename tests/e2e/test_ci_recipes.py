"""The CI recipes (gwctl/templates/ci/, shown in docs/ci.md) and the GitHub Action (action.yml)
run as written: their shell steps against a real store on 127.0.0.1, with a fake `gh` and a
fake GitLab API, and the environment each step would get."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import gwctl
from gwctl.config.ci_templates import CI_KINDS, VERSION_PLACEHOLDER, ci_files
from gwctl.store.server import create_admin_token, create_named_token
from tests.support.age import AgeIdentity
from tests.support.canaries import CANARY
from tests.support.ci import (
    ACTION,
    GitLabApi,
    Outcome,
    Runner,
    action,
    action_inputs,
    action_step,
    github_step,
    github_workflow,
    gitlab_pipeline,
    serve_gitlab,
)
from tests.support.git import commit_all
from tests.support.paths import REPO_ROOT
from tests.support.providers import ProviderServer, point_at
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import LiveStore, free_port

DOC = REPO_ROOT / "docs" / "ci.md"
SHA, HEAD_SHA, RUN_ID = "a" * 40, "b" * 40, "4242"
PLAN_MARKER = "<!-- gwctl plan -->"


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def tokens(repo: ConfigRepo, live_store: LiveStore) -> dict[str, str]:
    return {
        "read": create_named_token(repo.database_url, "ci-read", "read"),
        "admin": create_admin_token(repo.database_url, "ci-admin"),
    }


@pytest.fixture
def secrets(sops_env: AgeIdentity, tokens: dict[str, str]) -> dict[str, str]:
    """The repository's secrets as a CI system holds them."""
    return {
        "SOPS_AGE_KEY": sops_env.secret_key,
        "GWCTL_READ_TOKEN": tokens["read"],
        "GWCTL_ADMIN_TOKEN": tokens["admin"],
    }


@pytest.fixture
def contexts(secrets: dict[str, str], live_store: LiveStore) -> dict[str, Any]:
    """GitHub's expression contexts for a pull request of this repository."""
    return {
        "secrets": secrets,
        "vars": {"GWCTL_STORE_URL": live_store.server.base_url},
        "github": {
            "token": "ghs_fake_workflow_token",
            "repository": "acme/gateways",
            "sha": SHA,
            "workflow_ref": "acme/gateways/.github/workflows/gateways.yaml@refs/heads/main",
            "event": {"pull_request": {"number": 5}},
        },
        "inputs": {},
    }


@pytest.fixture
def ci(repo: ConfigRepo, tmp_path: Path) -> Runner:
    """Where the steps run: the repository as a CI checkout has it, committed."""
    commit_all(repo.root)
    return Runner(
        repo.root,
        tmp_path / "ci",
        {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/gateways", "GITHUB_SHA": SHA},
    )


def workflow_env() -> dict[str, Any]:
    env: dict[str, Any] = github_workflow()["env"]
    return env


def run_step(ci: Runner, job: str, name: str, contexts: dict[str, Any]) -> Outcome:
    """One step of the GitHub workflow; no step's output may show a secret value."""
    outcome = ci.github(github_step(job, name), contexts, workflow_env())
    assert_no_secrets(outcome.output, contexts)
    return outcome


def assert_no_secrets(text: str, contexts: dict[str, Any]) -> None:
    assert CANARY not in text
    for value in contexts["secrets"].values():
        assert value not in text


def live_gateways(live_store: LiveStore) -> list[dict[str, Any]]:
    web = live_store.client(f"check-{len(live_store.clients)}")
    gateways: list[dict[str, Any]] = web.get("/api/v1/gateways").json()["items"]
    return gateways


def edit_live(live_store: LiveStore, key: str, **changes: Any) -> None:
    """Someone changes an account in the store, outside gwctl (the API, as the web page)."""
    web = live_store.client("web-admin")
    gateway = web.get(f"/api/v1/gateways/{key}").json()
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
        f"/api/v1/gateways/{key}",
        json={**body, **changes},
        headers={"If-Match": str(gateway["version"])},
    )
    assert response.status_code == 200, response.text


def apply_everything(repo: ConfigRepo) -> None:
    """The store already holds what git says (gwctl applied it before)."""
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0


def plan_pull_request(ci: Runner, contexts: dict[str, Any]) -> Outcome:
    """The pull request's plan step, its artifact kept where the fake gh serves it from."""
    outcome = run_step(ci, "plan", "plan", contexts)
    assert outcome.returncode == 0, outcome.output
    artifact = ci.work / "artifacts" / RUN_ID / "gwctl-plan"
    artifact.mkdir(parents=True)
    for name in ("plan.json", "plan.md"):
        shutil.move(ci.cwd / name, artifact / name)  # the apply job has a fresh checkout
    ci.canned_gh(
        {
            "api": {
                f"repos/acme/gateways/commits/{SHA}/pulls": [
                    {"number": 5, "merged_at": "2026-01-01T00:00:00Z", "head": {"sha": HEAD_SHA}}
                ]
            },
            "runs": [
                {
                    "databaseId": int(RUN_ID),
                    "headSha": HEAD_SHA,
                    "event": "pull_request",
                    "conclusion": "success",
                    "workflow": "gateways.yaml",
                }
            ],
            "artifacts": {RUN_ID: {"gwctl-plan": str(artifact)}},
        }
    )
    return outcome


def merge_and_apply(ci: Runner, contexts: dict[str, Any]) -> Outcome:
    """The apply job on main: fetch the reviewed plan, then apply it."""
    fetched = run_step(ci, "apply", "fetch the plan reviewed in the pull request", contexts)
    if fetched.returncode != 0:
        return fetched
    return run_step(ci, "apply", "apply", contexts)


def assert_a_checkpoint_was_left(ci: Runner) -> None:
    """The apply leaves the store's signed checkpoint for the job to keep as an artifact."""
    checkpoint = json.loads((ci.cwd / "audit-checkpoint.json").read_text(encoding="utf-8"))
    assert checkpoint["format"] == "gwctl-audit-checkpoint/1"
    assert checkpoint["signature"]


def test_every_apply_job_keeps_its_audit_checkpoint() -> None:
    for name in ("apply", "apply-replan"):
        steps = github_workflow()["jobs"][name]["steps"]
        kept = steps[[step.get("name") for step in steps].index("apply") + 1]
        assert kept["uses"].startswith("actions/upload-artifact@")
        assert kept["with"]["path"] == "audit-checkpoint.json"
        assert gitlab_pipeline()[name]["artifacts"] == {
            "paths": ["audit-checkpoint.json"],
            "expire_in": "never",
        }


def secret_free_env(call: dict[str, Any], contexts: dict[str, Any]) -> None:
    env: dict[str, str] = call["env"]
    assert not {"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "GWCTL_TOKEN"} & set(env)
    assert_no_secrets("\n".join(env.values()), contexts)


# --- the packaged templates, the docs and the static rules --------------------------------------


def test_ci_files_are_the_packaged_templates_with_this_version() -> None:
    assert set(ci_files("github")) == {".github/workflows/gateways.yaml"}
    assert set(ci_files("gitlab")) == {".gitlab-ci.yml"}
    for kind in CI_KINDS:
        for text in ci_files(kind).values():
            assert VERSION_PLACEHOLDER not in text
            assert f"gwctl=={gwctl.__version__}" in text
    with pytest.raises(ValueError, match="unknown CI kind"):
        ci_files("jenkins")


def test_docs_show_each_template_exactly() -> None:
    doc = DOC.read_text(encoding="utf-8")
    shown = dict(re.findall(r"<!-- template: (\S+) -->\n```yaml\n(.*?)```", doc, re.S))
    files = {path: text for kind in CI_KINDS for path, text in ci_files(kind).items()}
    assert shown == files


def test_the_action_installs_this_release_by_default() -> None:
    assert action()["inputs"]["gwctl-spec"]["default"] == f"gwctl=={gwctl.__version__}"


def test_only_githubs_own_actions_are_used_pinned_by_commit() -> None:
    texts = [*ci_files("github").values(), ACTION.read_text(encoding="utf-8")]
    uses = [line for text in texts for line in text.splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert re.search(r"uses: actions/[\w-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+$", line), line


def test_no_script_interpolates_an_expression() -> None:
    steps = [step for job in github_workflow()["jobs"].values() for step in job["steps"]]
    for step in [*steps, *action()["runs"]["steps"]]:
        assert "${{" not in step.get("run", "")


def test_secrets_reach_only_the_steps_that_run_gwctl_against_the_store() -> None:
    workflow = github_workflow()
    assert "secrets." not in yaml.safe_dump(workflow["env"])
    for job in workflow["jobs"].values():
        assert "env" not in job
        for step in job["steps"]:
            has_secret = "secrets." in yaml.safe_dump(step.get("env") or {})
            runs_gwctl = re.search(r"^gwctl (plan|verify|apply|drift)", step.get("run", ""), re.M)
            assert has_secret == bool(runs_gwctl), step.get("name")
    for step in action()["runs"]["steps"]:
        env = yaml.safe_dump(step.get("env") or {})
        assert ("inputs.age-key" in env) == (step.get("id") == "gwctl")
        assert ("inputs.token" in env) == (step.get("id") == "gwctl")


def test_pip_caches_on_the_workflow_file_it_is_written_to() -> None:
    (destination,) = ci_files("github")
    for job in github_workflow()["jobs"].values():
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-"))
        assert setup["with"]["cache"] == "pip"
        assert setup["with"]["cache-dependency-path"] == destination
    pipeline = gitlab_pipeline()
    assert pipeline["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"
    assert pipeline["default"]["cache"]["paths"] == [".cache/pip"]


def test_merge_and_replan_apply_the_same_way() -> None:
    assert github_step("apply", "apply") == github_step("apply-replan", "apply")
    pipeline = gitlab_pipeline()
    assert pipeline["apply"]["script"][-1] == pipeline["apply-replan"]["script"][-1]


def test_the_pre_commit_hook_runs_gwctl_validate_from_a_clone() -> None:
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["language"], hook["entry"], hook["pass_filenames"]) == (
        "python",
        "gwctl validate",
        False,
    )
    assert re.search(hook["files"], "gateways.d/twilio-us.yaml")


# --- GitHub: pull request -----------------------------------------------------------------------


def test_github_validate_passes_on_a_valid_config(ci: Runner, contexts: dict[str, Any]) -> None:
    outcome = run_step(ci, "validate", "validate", contexts)
    assert outcome.returncode == 0, outcome.output


def test_github_validate_annotates_and_fails_on_errors(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    repo.edit_account("twilio-us", sending_pattern="batch")
    outcome = run_step(ci, "validate", "validate", contexts)
    assert outcome.returncode == 1
    assert "::error file=gateways.d/twilio-us.yaml,line=" in outcome.stdout


def test_github_plan_saves_the_plan_and_reports_changes(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    outcome = run_step(ci, "plan", "plan", contexts)
    assert outcome.returncode == 0, outcome.output
    assert "4 to create" in (repo.root / "plan.md").read_text()
    assert (repo.root / "plan.json").is_file()
    assert outcome.outputs == {"changes": "true"}
    assert "4 to create" in outcome.summary


def test_github_plan_reports_no_changes_once_applied(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    apply_everything(repo)
    outcome = run_step(ci, "plan", "plan", contexts)
    assert outcome.returncode == 0, outcome.output
    assert outcome.outputs == {"changes": "false"}


def test_github_plan_fails_on_an_invalid_config(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    repo.edit_account("twilio-us", fallback_sender_id="TOO-LONG-SENDER")
    assert run_step(ci, "plan", "plan", contexts).returncode == 1


def test_github_comment_posts_the_plan_without_key_or_token(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    run_step(ci, "plan", "plan", contexts)
    ci.canned_gh(
        {"api": {"repos/acme/gateways/issues/5/comments": []}, "runs": [], "artifacts": {}}
    )
    outcome = run_step(ci, "plan", "comment the plan on the pull request", contexts)
    assert outcome.returncode == 0, outcome.output
    *_, comment = ci.gh_calls()
    assert comment["argv"][:2] == ["pr", "comment"]
    assert "5" in comment["argv"]
    assert comment["files"]["body"] == f"{PLAN_MARKER}\n{(repo.root / 'plan.md').read_text()}"
    assert comment["env"]["GH_TOKEN"] == "ghs_fake_workflow_token"
    for call in ci.gh_calls():
        secret_free_env(call, contexts)
    assert_no_secrets(comment["files"]["body"], contexts)


def test_github_comment_updates_its_previous_comment(
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    run_step(ci, "plan", "plan", contexts)
    ci.canned_gh(
        {
            "api": {
                "repos/acme/gateways/issues/5/comments": [
                    {"id": 11, "user": {"type": "Bot"}, "body": f"{PLAN_MARKER}\nold plan"},
                    {"id": 12, "user": {"type": "User"}, "body": f"{PLAN_MARKER}\nnot ours"},
                    {"id": 13, "user": {"type": "Bot"}, "body": "another bot"},
                ]
            },
            "runs": [],
            "artifacts": {},
        }
    )
    outcome = run_step(ci, "plan", "comment the plan on the pull request", contexts)
    assert outcome.returncode == 0, outcome.output
    *_, update = ci.gh_calls()
    assert update["argv"][:4] == [
        "api",
        "--method",
        "PATCH",
        "repos/acme/gateways/issues/comments/11",
    ]
    assert update["files"]["body"].startswith(f"{PLAN_MARKER}\n")


# --- GitHub: merge to main ----------------------------------------------------------------------


def test_github_apply_applies_the_reviewed_plan_and_converges(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    plan_pull_request(ci, contexts)
    outcome = merge_and_apply(ci, contexts)
    assert outcome.returncode == 0, outcome.output
    assert "Applied in one changeset" in outcome.stdout
    assert "No changes" in outcome.stdout  # the convergence plan after the apply
    assert len(live_gateways(live_store)) == 4
    assert_a_checkpoint_was_left(ci)
    run_list = next(call for call in ci.gh_calls() if call["argv"][:2] == ["run", "list"])
    assert HEAD_SHA in run_list["argv"]
    assert "gateways.yaml" in run_list["argv"]


def test_github_apply_refuses_a_plan_the_store_changed_since(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    apply_everything(repo)
    repo.edit_account("twilio-us", description="reviewed change")
    commit_all(repo.root, "the change")
    plan_pull_request(ci, contexts)
    edit_live(live_store, "twilio-us", status="inactive")
    before = live_gateways(live_store)
    outcome = merge_and_apply(ci, contexts)
    assert outcome.returncode != 0
    assert "twilio-us changed in the store" in outcome.stderr
    assert "::error title=The reviewed plan is out of date::Nothing was applied" in outcome.stdout
    assert 'mode "replan"' in outcome.stdout
    assert live_gateways(live_store) == before


def test_github_apply_refuses_a_plan_the_files_changed_since(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    plan_pull_request(ci, contexts)
    repo.edit_account("twilio-us", description="merged after the plan")
    commit_all(repo.root, "the change")
    outcome = merge_and_apply(ci, contexts)
    assert outcome.returncode != 0
    assert "the files in gateways.d/" in outcome.stderr
    assert "The reviewed plan is out of date" in outcome.stdout
    assert live_gateways(live_store) == []


def test_github_apply_refuses_a_commit_no_pull_request_reviewed(
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    ci.canned_gh(
        {"api": {f"repos/acme/gateways/commits/{SHA}/pulls": []}, "runs": [], "artifacts": {}}
    )
    outcome = merge_and_apply(ci, contexts)
    assert outcome.returncode == 1
    assert "::error title=No reviewed plan::" in outcome.stdout
    assert live_gateways(live_store) == []


# --- GitHub: drift ------------------------------------------------------------------------------


def test_github_drift_passes_when_the_store_matches_git(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    apply_everything(repo)
    outcome = run_step(ci, "drift", "drift", contexts)
    assert outcome.returncode == 0, outcome.output


def test_github_drift_fails_when_the_store_was_changed_outside_gwctl(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    apply_everything(repo)
    edit_live(live_store, "twilio-us", status="inactive")
    outcome = run_step(ci, "drift", "drift", contexts)
    assert outcome.returncode == 2
    assert "web-admin@web" in outcome.stdout
    assert "::error title=Drift::" in outcome.stdout


# --- the GitHub Action --------------------------------------------------------------------------


def run_action(ci: Runner, contexts: dict[str, Any], name: str, **given: str) -> Outcome:
    outcome = ci.github(action_step(name), {**contexts, "inputs": action_inputs(given)})
    assert_no_secrets(outcome.output, contexts)
    return outcome


def action_secrets(contexts: dict[str, Any], token: str) -> dict[str, str]:
    return {
        "age-key": contexts["secrets"]["SOPS_AGE_KEY"],
        "token": contexts["secrets"][token],
        "store-url": contexts["vars"]["GWCTL_STORE_URL"],
    }


def test_action_plan_sets_its_outputs_and_comments_without_secrets(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
) -> None:
    given = {"command": "plan", "comment": "true", **action_secrets(contexts, "GWCTL_READ_TOKEN")}
    planned = run_action(ci, contexts, "gwctl", **given)
    assert planned.returncode == 0, planned.output
    assert planned.outputs == {"changes": "true", "exit-code": "2"}
    ci.canned_gh(
        {"api": {"repos/acme/gateways/issues/5/comments": []}, "runs": [], "artifacts": {}}
    )
    commented = run_action(ci, contexts, "comment the plan on the pull request", **given)
    assert commented.returncode == 0, commented.output
    (comment,) = [call for call in ci.gh_calls() if call["argv"][:2] == ["pr", "comment"]]
    assert "4 to create" in comment["files"]["body"]
    secret_free_env(comment, contexts)


def test_action_apply_refuses_a_stale_plan(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    run_action(
        ci, contexts, "gwctl", command="plan", **action_secrets(contexts, "GWCTL_READ_TOKEN")
    )
    repo.edit_account("twilio-us", description="changed after the plan")
    commit_all(repo.root, "the change")
    outcome = run_action(
        ci, contexts, "gwctl", command="apply", **action_secrets(contexts, "GWCTL_ADMIN_TOKEN")
    )
    assert outcome.returncode == 1
    assert outcome.outputs == {"changes": "false", "exit-code": "1"}
    assert "The reviewed plan is out of date" in outcome.stdout
    assert live_gateways(live_store) == []


def test_action_apply_applies_the_plan_file(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    run_action(
        ci, contexts, "gwctl", command="plan", **action_secrets(contexts, "GWCTL_READ_TOKEN")
    )
    outcome = run_action(
        ci, contexts, "gwctl", command="apply", **action_secrets(contexts, "GWCTL_ADMIN_TOKEN")
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.outputs == {
        "changes": "true",
        "exit-code": "0",
        "checkpoint": "audit-checkpoint.json",
    }
    assert len(live_gateways(live_store)) == 4
    assert_a_checkpoint_was_left(ci)


def test_action_drift_fails_and_says_so_in_its_outputs(
    repo: ConfigRepo,
    ci: Runner,
    contexts: dict[str, Any],
    live_store: LiveStore,
) -> None:
    apply_everything(repo)
    edit_live(live_store, "infobip-eu", description="by hand")
    outcome = run_action(
        ci, contexts, "gwctl", command="drift", **action_secrets(contexts, "GWCTL_READ_TOKEN")
    )
    assert outcome.returncode == 2
    assert outcome.outputs == {"changes": "true", "exit-code": "2"}


# --- verify: the pull request's changed credentials, proven with their providers ---------------


@pytest.fixture
def rotated(repo: ConfigRepo, providers: ProviderServer) -> ConfigRepo:
    """Everything applied; then a pull request rotates infobip-eu's API key. The repository's
    gwctl.yaml sends the providers' checks to the local `providers`."""
    point_at(repo, providers.base_url)
    apply_everything(repo)
    repo.write_secret("infobip-eu", {**SECRETS["infobip-eu"], "api_key": ROTATED_KEY})
    return repo


ROTATED_KEY = "infobip-eu-rotated-5555"
VERIFY_STEP = "verify the changed credentials"


def test_github_verify_passes_when_the_changed_credentials_are_accepted(
    rotated: ConfigRepo, ci: Runner, contexts: dict[str, Any], providers: ProviderServer
) -> None:
    outcome = run_step(ci, "plan", VERIFY_STEP, contexts)

    assert outcome.returncode == 0, outcome.output
    assert "infobip-eu  verified" in outcome.stdout
    assert [r.headers["authorization"] for r in providers.requests] == [f"App {ROTATED_KEY}"]


def test_github_verify_fails_the_pull_request_on_a_refused_credential(
    rotated: ConfigRepo, ci: Runner, contexts: dict[str, Any], providers: ProviderServer
) -> None:
    providers.answer(ROTATED_KEY, "rejected")

    outcome = run_step(ci, "plan", VERIFY_STEP, contexts)

    assert outcome.returncode == 1
    assert "infobip-eu  rejected     API key refused (UNAUTHORIZED) (HTTP 401)" in outcome.stdout


def test_github_verify_only_warns_when_a_provider_is_unreachable(
    rotated: ConfigRepo, ci: Runner, contexts: dict[str, Any], providers: ProviderServer
) -> None:
    providers.answer(ROTATED_KEY, "error")

    outcome = run_step(ci, "plan", VERIFY_STEP, contexts)

    assert outcome.returncode == 0, outcome.output
    assert "::warning title=Credentials not verified::" in outcome.stdout


def test_action_verify_reports_a_refused_credential_in_its_outputs(
    rotated: ConfigRepo, ci: Runner, contexts: dict[str, Any], providers: ProviderServer
) -> None:
    providers.answer(ROTATED_KEY, "suspended")
    secrets = action_secrets(contexts, "GWCTL_READ_TOKEN")

    outcome = run_action(ci, contexts, "gwctl", command="verify", **secrets)

    assert outcome.returncode == 1
    assert outcome.outputs == {"changes": "true", "exit-code": "1"}


@pytest.mark.parametrize(("strict", "returncode"), [("false", 0), ("true", 3)])
def test_action_verify_fails_on_an_unreachable_provider_only_when_asked(
    rotated: ConfigRepo, ci: Runner, contexts: dict[str, Any], strict: str, returncode: int
) -> None:
    secrets = action_secrets(contexts, "GWCTL_READ_TOKEN")
    point_at(rotated, f"http://127.0.0.1:{free_port()}")  # nothing listens there

    outcome = run_action(
        ci, contexts, "gwctl", command="verify", **{"fail-on-unreachable": strict}, **secrets
    )

    assert outcome.returncode == returncode, outcome.output
    assert outcome.outputs == {"changes": "true", "exit-code": "3"}


# --- GitLab -------------------------------------------------------------------------------------


@pytest.fixture
def gitlab_api() -> Iterator[GitLabApi]:
    yield from serve_gitlab()


@pytest.fixture
def gitlab_vars(
    secrets: dict[str, str], live_store: LiveStore, gitlab_api: GitLabApi, repo: ConfigRepo
) -> dict[str, str]:
    """The project's CI/CD variables and the predefined ones of a merge request pipeline."""
    return {
        **secrets,
        "GWCTL_GITLAB_TOKEN": "glpat-fake-note-token",
        "GWCTL_STORE_URL": live_store.server.base_url,
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab_api.url,
        "CI_PROJECT_ID": "7",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_COMMIT_SHA": SHA,
        "CI_JOB_ID": "99",
        "CI_PROJECT_DIR": str(repo.root),
    }


NOTES = "/api/v4/projects/7/merge_requests/3/notes"


def gitlab_notes(gitlab_api: GitLabApi, notes: list[dict[str, Any]]) -> None:
    """The merge request's notes; the note token belongs to user 42."""
    gitlab_api.json("/api/v4/user", {"id": 42})
    gitlab_api.json(f"{NOTES}?sort=desc&order_by=updated_at&per_page=100", notes)


def gitlab_job(ci: Runner, job: str, variables: dict[str, str]) -> Outcome:
    outcome = ci.gitlab(gitlab_pipeline(), job, variables)
    assert CANARY not in outcome.output
    for name in ("SOPS_AGE_KEY", "GWCTL_READ_TOKEN", "GWCTL_ADMIN_TOKEN"):
        assert variables[name] not in outcome.output
    return outcome


def test_gitlab_validate_passes_on_a_valid_config(ci: Runner, gitlab_vars: dict[str, str]) -> None:
    assert gitlab_job(ci, "validate", gitlab_vars).returncode == 0


def test_gitlab_plan_posts_a_note_without_key_or_token(
    repo: ConfigRepo,
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
) -> None:
    gitlab_notes(gitlab_api, [])
    outcome = gitlab_job(ci, "plan", gitlab_vars)
    assert outcome.returncode == 0, outcome.output
    (post,) = [r for r in gitlab_api.requests if r["method"] == "POST"]
    assert post["path"] == NOTES
    assert post["headers"]["PRIVATE-TOKEN"] == "glpat-fake-note-token"
    body = httpx.Response(200, content=post["body"]).json()["body"]
    assert body == f"{PLAN_MARKER}\n{(repo.root / 'plan.md').read_text()}"
    assert "4 to create" in body
    for request in gitlab_api.requests:
        text = repr(request)
        assert CANARY not in text
        assert all(
            gitlab_vars[name] not in text
            for name in ("SOPS_AGE_KEY", "GWCTL_READ_TOKEN", "GWCTL_ADMIN_TOKEN")
        )


def test_gitlab_plan_updates_its_previous_note(
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
) -> None:
    gitlab_notes(
        gitlab_api,
        [
            {"id": 5, "author": {"id": 8}, "body": f"{PLAN_MARKER}\nsomeone else's"},
            {"id": 6, "author": {"id": 42}, "body": f"{PLAN_MARKER}\nold plan"},
        ],
    )
    outcome = gitlab_job(ci, "plan", gitlab_vars)
    assert outcome.returncode == 0, outcome.output
    assert [(r["method"], r["path"]) for r in gitlab_api.requests if r["method"] != "GET"] == [
        ("PUT", f"{NOTES}/6")
    ]


def gitlab_merge(gitlab_api: GitLabApi, plan: bytes | None) -> None:
    """The default branch's commit came from merge request !3, whose plan job kept `plan`."""
    gitlab_api.json(
        f"/api/v4/projects/7/repository/commits/{SHA}/merge_requests",
        [{"iid": 3, "state": "merged"}],
    )
    if plan is not None:
        gitlab_api.canned[
            "/api/v4/projects/7/jobs/artifacts/refs%2Fmerge-requests%2F3%2Fhead"
            "/raw/plan.json?job=plan"
        ] = (200, plan)


def test_gitlab_apply_applies_the_reviewed_plan(
    repo: ConfigRepo,
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
    live_store: LiveStore,
) -> None:
    gitlab_notes(gitlab_api, [])
    assert gitlab_job(ci, "plan", gitlab_vars).returncode == 0
    gitlab_merge(gitlab_api, (repo.root / "plan.json").read_bytes())
    (repo.root / "plan.json").unlink()
    outcome = gitlab_job(ci, "apply", gitlab_vars)
    assert outcome.returncode == 0, outcome.output
    assert "Applying the plan of merge request !3" in outcome.stdout
    assert len(live_gateways(live_store)) == 4
    assert_a_checkpoint_was_left(ci)


def test_gitlab_apply_refuses_a_stale_plan(
    repo: ConfigRepo,
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
    live_store: LiveStore,
) -> None:
    apply_everything(repo)
    repo.edit_account("twilio-us", description="reviewed change")
    commit_all(repo.root, "the change")
    gitlab_notes(gitlab_api, [])
    assert gitlab_job(ci, "plan", gitlab_vars).returncode == 0
    gitlab_merge(gitlab_api, (repo.root / "plan.json").read_bytes())
    edit_live(live_store, "twilio-us", status="inactive")
    before = live_gateways(live_store)
    outcome = gitlab_job(ci, "apply", gitlab_vars)
    assert outcome.returncode == 1
    assert "The reviewed plan is out of date. Nothing was applied." in outcome.stdout
    assert "GWCTL_REPLAN=true" in outcome.stdout
    assert live_gateways(live_store) == before


def test_gitlab_apply_refuses_when_the_plan_artifact_is_gone(
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
    live_store: LiveStore,
) -> None:
    gitlab_merge(gitlab_api, None)
    outcome = gitlab_job(ci, "apply", gitlab_vars)
    assert outcome.returncode == 1
    assert "No reviewed plan: merge request !3" in outcome.stdout
    assert live_gateways(live_store) == []


def test_gitlab_drift_fails_when_the_store_was_changed_outside_gwctl(
    repo: ConfigRepo,
    ci: Runner,
    gitlab_vars: dict[str, str],
    live_store: LiveStore,
) -> None:
    apply_everything(repo)
    assert gitlab_job(ci, "drift", gitlab_vars).returncode == 0
    edit_live(live_store, "twilio-us", status="inactive")
    assert gitlab_job(ci, "drift", gitlab_vars).returncode == 2


# --- installing the pinned gwctl ----------------------------------------------------------------


def build_wheel(out: Path, work: Path) -> Path:
    """A wheel of this checkout, built from a copy (the shared tree stays untouched)."""
    source = work / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "schema", source / "schema")
    shutil.copytree(
        REPO_ROOT / "gwctl",
        source / "gwctl",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = out.glob("gwctl-*.whl")
    return wheel


def test_the_install_step_installs_the_pinned_gwctl(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "wheels", tmp_path)
    venv = tmp_path / "runner-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = github_step("plan", "install gwctl")
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", install["run"]],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=900,
        check=False,
        env={
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(Path.home()),
            "GWCTL_SPEC": f"gwctl @ {wheel.as_uri()}",
        },
    )
    assert done.returncode == 0, done.stderr
    version = subprocess.run(
        [str(venv / "bin" / "gwctl"), "--version"],
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert gwctl.__version__ in version.stdout
    packaged = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from gwctl.config.ci_templates import ci_files; print(sorted(ci_files('gitlab')))",
        ],
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert ".gitlab-ci.yml" in packaged.stdout


def test_gitlab_plan_fails_on_a_refused_changed_credential(
    repo: ConfigRepo,
    ci: Runner,
    gitlab_vars: dict[str, str],
    gitlab_api: GitLabApi,
    providers: ProviderServer,
) -> None:
    point_at(repo, providers.base_url)
    apply_everything(repo)
    repo.write_secret("twilio-us", {**SECRETS["twilio-us"], "auth_token": "ef" * 16})
    providers.answer(SECRETS["twilio-us"]["account_sid"], "rejected")
    gitlab_notes(gitlab_api, [])

    outcome = gitlab_job(ci, "plan", gitlab_vars)

    assert outcome.returncode == 1
    assert (
        "twilio-us  rejected     SID or Auth Token refused (Twilio error 20003)" in outcome.output
    )
    assert [r for r in gitlab_api.requests if r["method"] == "POST"] == []  # no note posted
