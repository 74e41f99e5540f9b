"""The workflows' console at the command line (gwctl.reconcile.workflow.Console): the plan
on stdout, questions and notes on stderr, colours and progress bars on a terminal only."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from typing import TYPE_CHECKING

import click

from gwctl.cli.output.plan import render_plan

if TYPE_CHECKING:
    from gwctl.config.credentials import Progress
    from gwctl.reconcile.plan import Plan

QUIET = "quiet"  # a plan format that shows nothing: the command prints its own JSON at the end
PROGRESS_MIN_FILES = 20  # below this a run is quick enough to need no progress bar


def colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class Terminal:
    """Use it as a context manager: a progress bar still open when a workflow fails is
    closed on the way out, so the error starts on a line of its own."""

    def __init__(self, plan_format: str = "text") -> None:
        self.plan_format = plan_format
        self._bars = ExitStack()
        self._waiting_for: str | None = None

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self._bars.close()

    def progress(self, total: int) -> Progress:
        if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
            return lambda _done: None
        bar = self._bars.enter_context(
            click.progressbar(length=total, label="decrypting secret files", file=sys.stderr)
        )
        return bar.update

    def show(self, plan: Plan) -> None:
        self._bars.close()  # the bar's line ends before the plan starts
        if self.plan_format != QUIET:
            click.echo(render_plan(plan, self.plan_format, colour=colour()))

    def confirm(self, question: str) -> bool:
        """At a terminal, click's prompt; from a pipe (`echo yes | gwctl apply`), one line:
        yes or y goes on. No line at all is an error, never a silent "no"."""
        if sys.stdin.isatty():
            return click.confirm(question)
        click.echo(f"{question} [y/N]: ", nl=False, err=True)
        answer = sys.stdin.readline()
        if not answer:
            raise click.UsageError(
                "apply needs a confirmation and its input ended: pipe `yes` into it, pass "
                "--auto-approve (CI), or apply a reviewed plan file"
            )
        click.echo(answer.strip(), err=True)
        return answer.strip().lower() in ("y", "yes")

    def waiting(self, holder: str) -> None:
        """Said once per holder: the workflow asks again every second."""
        if holder != self._waiting_for:
            self._waiting_for = holder
            click.echo(f"waiting for the lock held by {holder}", err=True)
