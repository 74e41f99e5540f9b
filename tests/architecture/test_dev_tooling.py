"""The contributors' gates agree with `make lint`: the pre-commit hooks are valid and run the
ruff that the project's environment has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.paths import REPO_ROOT

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"


def test_the_pre_commit_config_is_valid() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_hooks_pin_the_ruff_that_make_lint_runs() -> None:
    installed = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    (local,) = yaml.safe_load(CONFIG.read_text())["repos"]
    pins = {dep for hook in local["hooks"] for dep in hook.get("additional_dependencies", ())}
    assert pins == {f"ruff=={installed}"}


def test_the_hooks_cover_every_check_of_make_lint() -> None:
    (local,) = yaml.safe_load(CONFIG.read_text())["repos"]
    assert {hook["id"] for hook in local["hooks"]} == {
        "ruff",
        "ruff-format",
        "mypy",
        "lint-imports",
    }
