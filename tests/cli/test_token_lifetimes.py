"""`gwctl store token create --expires`: a lifetime people type, or a usage error that says
what is accepted (tests/cli/bad_lifetimes.txt), before any database is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from gwctl.errors import EXIT_USAGE
from tests.support.cli import invoke

BAD_LIFETIMES = [
    tuple(line.split("\t", 1))
    for line in (Path(__file__).parent / "bad_lifetimes.txt").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize(("typed", "message"), BAD_LIFETIMES, ids=[t for t, _ in BAD_LIFETIMES])
def test_a_bad_lifetime_is_a_usage_error_that_says_how_to_fix_it(
    tmp_path: Path, typed: str, message: str
) -> None:
    outcome = invoke(
        "-C", tmp_path, "store", "token", "create", "ci", "--role", "admin", "--expires", typed
    )

    assert outcome.exit_code == EXIT_USAGE
    assert f"Invalid value for '--expires': {message}" in outcome.stderr
    assert "Traceback" not in outcome.output
    assert outcome.stdout == ""
    assert not (tmp_path / ".gwctl").exists()  # nothing was created


def test_a_token_without_expires_never_expires_and_the_command_says_so(tmp_path: Path) -> None:
    outcome = invoke("-C", tmp_path, "store", "token", "create", "ci", "--role", "admin")

    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("gwst_")  # stdout holds the token only
    assert "note: token ci never expires; give --expires 90d to limit it" in outcome.stderr


def test_expires_never_is_explicit_and_needs_no_note(tmp_path: Path) -> None:
    outcome = invoke(
        "-C", tmp_path, "store", "token", "create", "ci", "--role", "admin", "--expires", "never"
    )

    assert outcome.exit_code == 0
    assert outcome.stderr == ""
