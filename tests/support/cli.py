"""Running gwctl: the click CLI in-process, or the installed console script as a process."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from gwctl.cli.main import cli
from tests.support.canaries import assert_no_secret
from tests.support.paths import GWCTL_BIN


@dataclass(frozen=True)
class Outcome:
    """What a gwctl run printed and returned (from CliRunner or a real subprocess)."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str | os.PathLike[str], stdin: str | None = None) -> Outcome:
    """Run the click CLI in-process, `stdin` its input (exceptions propagate: a crash fails
    the test)."""
    result = CliRunner().invoke(
        cli, [str(arg) for arg in args], input=stdin, catch_exceptions=False
    )
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_gwctl(*args: str | os.PathLike[str], cwd: Path | None = None) -> Outcome:
    """Run the installed `.venv/bin/gwctl` as a real subprocess, in the current environment."""
    completed = subprocess.run(
        [str(GWCTL_BIN), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def assert_clean(outcome: Outcome) -> None:
    """The output of a failed run a person may read: no traceback, no secret."""
    assert "Traceback" not in outcome.stdout + outcome.stderr
    assert_no_secret(outcome.stdout, outcome.stderr)
