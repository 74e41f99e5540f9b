"""Checks across fields and files that a JSON Schema cannot express: unique names, logos."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gwctl.config.strict_yaml import Document
from gwctl.core.logos import MAX_LOGO_BYTES, image_type, logo_problem
from gwctl.core.model import Logo
from gwctl.core.names import name_identity
from gwctl.core.problems import Problem

if TYPE_CHECKING:
    from gwctl.config.loader import LoadedAccount


def unique_names(accounts: Sequence[LoadedAccount]) -> list[Problem]:
    """Gateway Names must be unique by the store's rule (gwctl.core.names): the store and
    the page identify accounts by them."""
    first: dict[str, LoadedAccount] = {}
    problems = []
    for loaded in accounts:
        folded = name_identity(loaded.account.name)
        if folded in first:
            other = first[folded].document
            line, column = other.position(("name",))
            problems.append(
                loaded.document.problem(
                    ("name",),
                    f"Gateway Name '{loaded.account.name}' is already used by {other.file}:{line}:"
                    f"{column} (names are compared ignoring case and spacing): choose another name",
                    "duplicate_name",
                )
            )
        else:
            first[folded] = loaded
    return problems


def unique_moves(accounts: Sequence[LoadedAccount]) -> list[Problem]:
    """`moved_from` must name a key no other file uses, and at most one file may claim it."""
    keys = {loaded.account.key for loaded in accounts}
    claimed: dict[str, str] = {}
    problems = []
    for loaded in accounts:
        old = loaded.account.moved_from
        if old is None:
            continue
        if old in keys or old == loaded.account.key:
            problems.append(
                loaded.document.problem(
                    ("moved_from",),
                    f"'{old}' still has an account file: delete or rename it, or drop moved_from",
                    "move",
                )
            )
        elif old in claimed:
            problems.append(
                loaded.document.problem(
                    ("moved_from",),
                    f"'{old}' is already claimed by {claimed[old]}: only one file can move from it",
                    "move",
                )
            )
        else:
            claimed[old] = loaded.document.file
    return problems


LogoCache = dict[tuple[Path, str], "Logo | tuple[str, str]"]


def load_logo(
    root: Path,
    account_path: Path,
    document: Document,
    problems: list[Problem],
    cache: LogoCache | None = None,
) -> Logo | None:
    """Read the account's logo file, checking it stays inside the config root and passes the
    logo rule (gwctl.core.logos); problems point at the `logo` value.

    Many accounts share one logo file: pass the same `cache` for the accounts of one load and
    each file is resolved, read and hashed once."""
    relative = document.data.get("logo")
    if not isinstance(relative, str):  # absent; another type is the schema's to report
        return None
    cache = {} if cache is None else cache
    cache_key = (account_path.parent, relative)
    if cache_key not in cache:
        cache[cache_key] = read_logo(root, account_path.parent / relative, relative)
    found = cache[cache_key]
    if isinstance(found, Logo):
        return found
    message, code = found
    problems.append(document.problem(("logo",), message, code))
    return None


def read_logo(root: Path, path: Path, relative: str) -> Logo | tuple[str, str]:
    """The checked logo at `path` (written `relative` in its file), or the problem's message
    and code."""
    try:
        target = path.resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte; a symlink loop before 3.13
        return (
            "logo is not a usable path: write a plain relative path such as logos/infobip.png",
            "logo_path",
        )
    if not target.is_relative_to(root.resolve()):
        return (
            "logo must be inside the config directory: put the file under gateways.d/logos/",
            "logo_outside",
        )
    if not target.is_file():
        return (
            f"logo file '{relative}' not found (paths are relative to this account file)",
            "logo_missing",
        )
    try:
        size = target.stat().st_size
        if size > MAX_LOGO_BYTES:
            return (
                f"logo is {size} bytes; the limit is {MAX_LOGO_BYTES} (256 KiB): shrink it",
                "logo_size",
            )
        data = target.read_bytes()
    except OSError as exc:
        return f"logo cannot be read: {exc.strerror}: check its permissions", "logo_unreadable"
    problem = logo_problem(data)
    if problem is not None:
        return problem.message.removeprefix("the "), problem.code
    content_type = image_type(data)
    assert content_type is not None  # logo_problem accepts PNG and JPEG only
    return Logo(relative, content_type, hashlib.sha256(data).hexdigest(), data)
