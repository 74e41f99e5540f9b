"""`gwctl add` and `gwctl init`: the files written and what comes next."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gwctl.cli.output.files import written_files
from gwctl.cli.output.problems import render_problems

if TYPE_CHECKING:
    from gwctl.config.add_account import Added


def render_added(key: str, added: Added) -> str:
    """The files written, then what validate says of the repository now: its problems, or
    that the account was added (after any warnings)."""
    if any(problem.is_error for problem in added.problems):
        verdict = render_problems(added.problems, "text", 0)  # no count of valid accounts
    else:
        verdict = "\n".join([*map(str, added.problems), f"valid: {key} added"])
    return "\n".join([*written_files(added.files), verdict])


def init_next_steps(recipients: Sequence[str]) -> str:
    return (
        f"secret files will be encrypted to: {', '.join(recipients)}\n"
        "next: gwctl add PROVIDER KEY (see gwctl providers)"
    )
