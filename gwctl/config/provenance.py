"""What the config was read from, for the audit log: the commit, and whether the working
tree differs from it (then the commit is recorded as `<sha>-dirty`: what was applied is not
exactly any commit)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gwctl.config.layout import GATEWAYS_DIR

# CI systems' variables naming the commit a job checked out
CI_COMMIT_VARS = ("GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT")
# What a plan is computed from: changes elsewhere in the repository do not make it dirty
CONFIG_PATHS = (GATEWAYS_DIR, "gwctl.yaml", ".sops.yaml")
DIRTY_SUFFIX = "-dirty"


def source_commit(root: Path) -> str | None:
    """The commit the config was read from (CI's variable, else git's HEAD), with
    `-dirty` when the config files differ from it; None outside git."""
    commit = next((os.environ[name] for name in CI_COMMIT_VARS if os.environ.get(name)), None)
    if commit is None:
        commit = (_git(root, "rev-parse", "HEAD") or "").strip() or None
    if commit and uncommitted(root):
        return commit + DIRTY_SUFFIX
    return commit


def uncommitted(root: Path) -> list[str] | None:
    """Config files changed, added or deleted since the last commit (paths as git prints
    them): [] in a clean tree, None outside a git working tree (nothing to compare with)."""
    status = _git(root, "status", "--porcelain", "--", *CONFIG_PATHS)
    if status is None:
        return None
    return [line[3:] for line in status.splitlines() if line.strip()]


def _git(root: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), *args],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout if completed.returncode == 0 else None
