"""Commands that reconcile git with the store: plan, apply, drift, import.

Each wires a workflow of gwctl.reconcile to the terminal (gwctl.cli.terminal) and prints
its outcome; the workflows decide everything.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gwctl.cli.context import Invocation
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.cli.output.drift import DRIFT_FORMATS
from gwctl.cli.output.plan import PLAN_FORMATS, save_plan
from gwctl.cli.output.verified import VERIFY_FORMATS
from gwctl.cli.terminal import QUIET, Terminal
from gwctl.core.verify_limits import DEFAULT_JOBS, DEFAULT_TIMEOUT
from gwctl.errors import EXIT_CHANGES

_PRUNE_OPTION = click.option(
    "--prune/--no-prune",
    default=None,
    help="Delete managed accounts whose file is gone (default: gwctl.yaml prune).",
)
_FORCE_OPTION = click.option(
    "--force", is_flag=True, help="Accept a plan above the safety threshold."
)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PLAN_FORMATS),
    default="text",
    show_default=True,
    help="text for terminals, json for tools, markdown for PRs.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (JSON, no secret values) for `gwctl apply PLAN`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@_PRUNE_OPTION
@_FORCE_OPTION
@click.pass_obj
def plan(
    invocation: Invocation,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool | None,
    force: bool,
) -> None:
    """Show what apply would change in the store, field by field."""
    from gwctl.reconcile.workflow import plan_changes

    with Terminal(fmt) as terminal:
        planned = plan_changes(invocation.settings(), terminal, prune=prune, force=force)
    if out is not None:
        click.echo(save_plan(planned.plan, out), err=True)
    if detailed_exitcode and planned.plan.has_changes:
        sys.exit(EXIT_CHANGES)


@click.command()
@click.argument(
    "saved_plan", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@_PRUNE_OPTION
@_FORCE_OPTION
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another apply's lock.",
)
@click.option(
    "--lock-ttl",
    type=click.IntRange(min=5, max=3600),
    default=60,
    show_default=True,
    help="The lock's lease in seconds: apply renews it while it runs, and the store frees "
    "the lock this long after gwctl dies.",
)
@click.option(
    "--verify",
    "verify_first",
    is_flag=True,
    help="First prove with their providers the credentials it writes; apply nothing if one "
    "is not verified.",
)
@click.option(
    "--require-clean",
    is_flag=True,
    help="Refuse to apply when gateways.d/, gwctl.yaml or .sops.yaml differ from the last "
    "commit (CI: what is applied is exactly the recorded commit).",
)
@click.option(
    "--checkpoint-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the store's signed audit checkpoint after the apply to this file: keep it "
    "(a CI artifact) as a witness for `gwctl audit verify --checkpoint`.",
)
@FORMAT_OPTION
@click.pass_obj
def apply(
    invocation: Invocation,
    saved_plan: Path | None,
    auto_approve: bool,
    prune: bool | None,
    force: bool,
    lock_timeout: float,
    lock_ttl: int,
    verify_first: bool,
    require_clean: bool,
    checkpoint_out: Path | None,
    fmt: str,
) -> None:
    """Apply the changes (after confirmation), or exactly the reviewed SAVED_PLAN."""
    from gwctl.cli.output.applied import applied_json, render_applied
    from gwctl.reconcile.workflow import ApplyRequest, apply_changes

    request = ApplyRequest(
        saved_plan,
        auto_approve,
        prune,
        force,
        lock_timeout,
        lock_ttl,
        verify_first,
        require_clean,
        checkpoint_out,
    )
    with Terminal(QUIET if fmt == "json" else "text") as terminal:
        applied = apply_changes(invocation.settings(), request, terminal)
    message = applied_json(applied) if fmt == "json" else render_applied(applied)
    if message is not None:
        click.echo(message)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(DRIFT_FORMATS), default="text", show_default=True
)
@click.pass_obj
def drift(invocation: Invocation, fmt: str) -> None:
    """Show what was changed in the store outside gwctl (exit 0 none, 2 drift)."""
    from gwctl.cli.output.drift import render_drift
    from gwctl.reconcile.drift import find_drift

    drifts = find_drift(invocation.settings())
    click.echo(render_drift(drifts, fmt))
    if drifts:
        sys.exit(EXIT_CHANGES)


@click.command()
@click.argument("keys", nargs=-1)
@click.option(
    "--changed",
    is_flag=True,
    help="Only accounts whose secret file differs from the one the store last applied.",
)
@click.option(
    "--format", "fmt", type=click.Choice(VERIFY_FORMATS), default="text", show_default=True
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=DEFAULT_JOBS,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=300),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds each provider has to answer.",
)
@click.pass_obj
def verify(
    invocation: Invocation,
    keys: tuple[str, ...],
    changed: bool,
    fmt: str,
    jobs: int,
    timeout: float,
) -> None:
    """Prove with each provider that the credentials are accepted: one read-only request
    per account, no message sent (exit 0 all verified, 1 any refused, 3 only unreachable).

    KEYS name accounts (inactive ones too); without, every active account is verified.

    \b
    Example, in a pull request's CI job:
      gwctl verify --changed
    """
    from gwctl.cli.output.verified import render_verify
    from gwctl.cli.terminal import colour
    from gwctl.core.verify_limits import ProbeLimits
    from gwctl.reconcile.verify import VerifyRequest, verify_accounts

    request = VerifyRequest(keys, changed, ProbeLimits(jobs=jobs, timeout=timeout))
    with Terminal() as terminal:
        report = verify_accounts(invocation.settings(), request, progress=terminal.progress)
    click.echo(render_verify(report, fmt, colour=colour() and fmt == "text"))
    sys.exit(report.exit_code)


@click.command(name="import")
@click.argument("keys", nargs=-1)
@click.option("--all", "all_unmanaged", is_flag=True, help="Import every unmanaged account.")
@FORMAT_OPTION
@click.pass_obj
def import_(invocation: Invocation, keys: tuple[str, ...], all_unmanaged: bool, fmt: str) -> None:
    """Adopt live accounts into gateways.d/ (secret files encrypted by sops)."""
    from gwctl.cli.output.imported import imported_json, imported_text
    from gwctl.reconcile.importer import Imported, import_accounts

    if not keys and not all_unmanaged:
        raise click.UsageError("name the accounts to import, or pass --all")
    done: list[Imported] = []
    report = done.append if fmt == "json" else lambda one: click.echo(imported_text(one))
    import_accounts(invocation.settings(), keys, all_unmanaged, report)
    if fmt == "json":
        click.echo(imported_json(done))


COMMANDS = (plan, apply, drift, verify, import_)
