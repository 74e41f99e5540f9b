"""What the audit log records an apply came from: the plan's id, saved or not, and the commit,
marked `-dirty` when the config files differ from it; `apply --require-clean` refuses then."""

from __future__ import annotations

import json

import pytest

from tests.support.git import commit_all, git
from tests.support.repos import ConfigRepo


@pytest.fixture
def committed(repo: ConfigRepo, monkeypatch: pytest.MonkeyPatch) -> ConfigRepo:
    """The example repository under git, everything committed (.gwctl/ ignored)."""
    for name in ("GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    commit_all(repo.root)
    return repo


def creates(repo: ConfigRepo) -> list[dict[str, object]]:
    entries = json.loads(repo.gwctl("history", "--format", "json").stdout)
    return [entry for entry in entries if entry["action"] == "create"]


def test_a_plain_apply_records_the_id_of_the_plan_it_made(committed: ConfigRepo) -> None:
    assert committed.gwctl("apply", "--auto-approve").exit_code == 0

    plan_ids = {entry["plan_id"] for entry in creates(committed)}

    assert len(plan_ids) == 1
    assert None not in plan_ids


def test_a_clean_tree_records_its_commit(committed: ConfigRepo) -> None:
    assert committed.gwctl("apply", "--auto-approve").exit_code == 0

    assert {entry["source_commit"] for entry in creates(committed)} == {
        git(committed.root, "rev-parse", "HEAD")
    }


def test_a_dirty_tree_is_recorded_as_dirty(committed: ConfigRepo) -> None:
    committed.edit_account("twilio-us", description="not committed yet")

    assert committed.gwctl("apply", "--auto-approve").exit_code == 0

    head = git(committed.root, "rev-parse", "HEAD")
    assert {entry["source_commit"] for entry in creates(committed)} == {f"{head}-dirty"}


def test_require_clean_refuses_a_dirty_tree_and_applies_nothing(committed: ConfigRepo) -> None:
    committed.edit_account("twilio-us", description="not committed yet")

    outcome = committed.gwctl("apply", "--auto-approve", "--require-clean")

    assert outcome.exit_code == 1
    assert "config files differ from the last commit (gateways.d/twilio-us.yaml)" in outcome.output
    assert creates(committed) == []


def test_require_clean_applies_a_clean_tree(committed: ConfigRepo) -> None:
    outcome = committed.gwctl("apply", "--auto-approve", "--require-clean")

    assert outcome.exit_code == 0, outcome.output
    assert len(creates(committed)) == 4


def test_require_clean_refuses_outside_a_git_working_tree(repo: ConfigRepo) -> None:
    outcome = repo.gwctl("apply", "--auto-approve", "--require-clean")

    assert outcome.exit_code == 1
    assert "is not a git working tree, so --require-clean cannot tell" in outcome.output
