"""`gwctl audit`: verify the store's audit log here, and keep its signed checkpoints outside it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gwctl.cli.context import Invocation
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.errors import EXIT_ERROR


@click.group()
def audit() -> None:
    """The store's hash-chained, signed audit log."""


@audit.command()
@click.option(
    "--checkpoint",
    "witnesses",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint kept outside the store (repeatable): it must still be part of the log.",
)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The store's signing key, pinned (PEM, from `gwctl store signing-key`); default: the "
    "key the store serves.",
)
@FORMAT_OPTION
@click.pass_obj
def verify(
    invocation: Invocation, witnesses: tuple[Path, ...], public_key: Path | None, fmt: str
) -> None:
    """Check every entry's hash, the store's signed checkpoints and each given checkpoint,
    here; exit 1 naming the first entry that breaks."""
    from gwctl.cli.output.audit import audit_verdict_json, audit_verdict_text
    from gwctl.reconcile.audit_check import read_public_key, read_witnesses, verify_store_log

    given = read_witnesses(witnesses)
    pinned = read_public_key(public_key) if public_key else None
    with invocation.store() as client:
        verdict = verify_store_log(client, given, pinned)
    if fmt == "json":
        click.echo(audit_verdict_json(verdict))
    else:
        click.echo(audit_verdict_text(verdict, witnessed=bool(given)), err=not verdict.ok)
    if not verdict.ok:
        sys.exit(EXIT_ERROR)


@audit.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it to this file instead of printing it.",
)
@click.pass_obj
def checkpoint(invocation: Invocation, output: Path | None) -> None:
    """Save the store's newest signed checkpoint: a witness of the log, kept outside it."""
    from gwctl.reconcile.audit_check import save_checkpoint

    with invocation.store() as client:
        text = save_checkpoint(client, output)
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"checkpoint saved to {output}", err=True)


COMMANDS = (audit,)
