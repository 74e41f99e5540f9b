"""A config repository under git, as users and CI checkouts have it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_IDENTITY = {
    "GIT_AUTHOR_NAME": "u",
    "GIT_AUTHOR_EMAIL": "u@example.com",
    "GIT_COMMITTER_NAME": "u",
    "GIT_COMMITTER_EMAIL": "u@example.com",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={**_IDENTITY, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)},
    )
    return done.stdout.strip()


def commit_all(root: Path, message: str = "accounts") -> str:
    """Commit everything in `root` (a new repository the first time; .gwctl/ ignored);
    the new commit's SHA."""
    if not (root / ".git").exists():
        (root / ".gitignore").write_text(".gwctl/\n", encoding="utf-8")
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")
