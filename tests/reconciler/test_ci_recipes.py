"""The CI recipes in docs/ci.md run as written: their scripts, commands and exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reconciler.conftest import REPO, Repo

DOC = REPO / "docs" / "ci.md"


def _recipes() -> list[Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [yaml.safe_load(block) for block in blocks]


def github_step(job: str, name: str) -> str:
    workflow = next(r for r in _recipes() if isinstance(r, dict) and "jobs" in r)
    steps = workflow["jobs"][job]["steps"]
    return str(next(step["run"] for step in steps if step.get("name") == name))


def gitlab_script(job: str) -> str:
    pipeline = next(r for r in _recipes() if isinstance(r, dict) and "stages" in r)
    return "\n".join(pipeline[job]["script"])


@pytest.fixture
def shell_env(repo: Repo, tmp_path: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(tmp_path / "github_output")}


def run(script: str, repo: Repo, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=repo.root, env=env, text=True,
                          capture_output=True, timeout=300, check=False)


def test_github_validate_step_passes_on_a_valid_config(repo: Repo, shell_env: dict[str, str]
                                                       ) -> None:
    result = run(github_step("validate", "validate"), repo, shell_env)
    assert result.returncode == 0, result.stderr


def test_github_validate_step_annotates_and_fails_on_errors(
    repo: Repo, shell_env: dict[str, str],
) -> None:
    repo.edit_account("twilio-us", sending_pattern="batch")
    result = run(github_step("validate", "validate"), repo, shell_env)
    assert result.returncode == 1
    assert "::error file=gateways.d/twilio-us.yaml,line=" in result.stdout


def test_github_plan_step_comments_markdown_and_reports_changes(
    repo: Repo, shell_env: dict[str, str],
) -> None:
    result = run(github_step("plan", "plan"), repo, shell_env)
    assert result.returncode == 0, result.stderr
    assert "4 to create" in (repo.root / "plan.md").read_text()
    assert (repo.root / "plan.json").is_file()
    assert Path(shell_env["GITHUB_OUTPUT"]).read_text() == "changes=true\n"


def test_github_apply_step_applies_and_verifies_convergence(
    repo: Repo, shell_env: dict[str, str],
) -> None:
    result = run(github_step("apply", "apply"), repo, shell_env)
    assert result.returncode == 0, result.stderr
    again = run(github_step("plan", "plan"), repo, shell_env)
    assert again.returncode == 0
    assert Path(shell_env["GITHUB_OUTPUT"]).read_text().endswith("changes=false\n")


def test_github_plan_step_fails_on_an_invalid_config(repo: Repo, shell_env: dict[str, str]
                                                     ) -> None:
    repo.edit_account("twilio-us", fallback_sender_id="TOO-LONG-SENDER")
    assert run(github_step("plan", "plan"), repo, shell_env).returncode == 1


def test_gitlab_jobs_run_in_order(repo: Repo, shell_env: dict[str, str]) -> None:
    for job in ("validate", "plan", "apply"):
        result = run(gitlab_script(job), repo, shell_env)
        assert result.returncode == 0, (job, result.stderr)


def test_the_pre_commit_hook_runs_gwctl_validate() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "gwctl validate"
    assert re.search(hook["files"], "gateways.d/twilio-us.yaml")
