"""The pre-commit hook we publish, run by the real pre-commit from a clone of this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts import account
from tests.support.paths import REPO_ROOT
from tests.support.repos import ConfigDirFactory, ConfigRepo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module: pre-commit builds the hook's environment once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: ConfigRepo, home: Path) -> subprocess.CompletedProcess[str]:
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", "-C", str(repo.root), *command], check=True)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO_ROOT),
            "gwctl-validate",
            "--all-files",
        ],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_hook_passes_a_valid_repository(
    config_dir: ConfigDirFactory, no_sops_key: None, pre_commit_home: Path
) -> None:
    repo = config_dir({"twilio-us": account("twilio", "Twilio US")})
    result = try_repo(repo, pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gwctl validate" in result.stdout
    assert "Passed" in result.stdout


def test_the_hook_fails_a_broken_repository_at_file_line_and_column(
    config_dir: ConfigDirFactory,
    no_sops_key: None,
    pre_commit_home: Path,
) -> None:
    repo = config_dir({"twilio-us": account("twilio", "Twilio US", sending_pattern="batch")})
    result = try_repo(repo, pre_commit_home)
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "gateways.d/twilio-us.yaml:4:18: 'sending_pattern'" in result.stdout
