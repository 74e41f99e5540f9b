"""Finds gwctl's private files (`.gwctl/`: the embedded store, its key, tokens) tracked by git.

`.gwctl/` ignores itself (see private_dir), but a file committed before that, or added with
`git add -f`, stays tracked, and with it every credential the embedded store holds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from gwctl.core.private_dir import PRIVATE_DIR
from gwctl.core.problems import Problem

_GIT_TIMEOUT_SECONDS = 10.0


def tracked_private_files(root: Path) -> list[Problem]:
    """One problem per file under `<root>/.gwctl/` that git tracks; none outside a git work
    tree or without git (there is nothing to leak then)."""
    return [
        Problem(
            path,
            0,
            0,
            f"tracked by git, but {PRIVATE_DIR}/ holds the embedded store's "
            "database, its credential key and its admin token: untrack it with `git rm -r "
            f"--cached {PRIVATE_DIR}` and commit; then rotate every credential and store "
            "token it held, since git's history keeps them",
            "private_file_tracked",
        )
        for path in _git_tracked(root, PRIVATE_DIR)
    ]


def _git_tracked(root: Path, folder: str) -> list[str]:
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", folder],  # noqa: S607
            capture_output=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if completed.returncode != 0:  # not a git work tree
        return []
    return sorted(name for name in completed.stdout.decode("utf-8", "replace").split("\0") if name)
