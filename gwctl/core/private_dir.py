"""Folders gwctl makes for files that must never reach git: the store's database, key, tokens.

Such a folder carries its own `.gitignore` holding `*`, so git ignores it in whatever
repository it lands in — a user's config repository has no `.gitignore` entry of ours.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR = ".gwctl"  # under a config repository's root: the embedded store and its secrets
IGNORE_EVERYTHING = "*\n"


def make_private_dir(directory: Path) -> Path:
    """Create `directory` (mode 0700) with a `.gitignore` that ignores everything in it.

    A folder that already existed gets the `.gitignore` only if it is a `.gwctl` folder: an
    existing folder of the user's (say the repository root holding a SQLite file) must not
    start ignoring the user's own files.
    """
    existed = directory.is_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not existed or directory.name == PRIVATE_DIR:
        _write_gitignore(directory / ".gitignore")
    return directory


def create_key_file(path: Path, text: str) -> None:
    """Write a new secret file (mode 0600, in a private folder) unless it exists: when another
    process created it first, theirs is the one to use."""
    make_private_dir(path.parent)
    _create_new(path, text, 0o600)


def _write_gitignore(path: Path) -> None:
    _create_new(path, IGNORE_EVERYTHING, 0o644)  # ours from an earlier run, or the user's: kept


def _create_new(path: Path, text: str, mode: int) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
