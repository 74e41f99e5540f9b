"""The `gwctl` command line's root: global options, the one error handler, the entry point.

Commands are grouped by job in modules of this package and import what they need when they
run: loading this module loads neither the HTTP client, the schema validator nor the store,
so `gwctl --help` and `gwctl --version` answer at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from gwctl import __version__
from gwctl.cli import (
    audit_commands,
    backup_commands,
    config_commands,
    reconcile_commands,
    store_commands,
)
from gwctl.cli.context import CONFIG_DIR, FORMAT_META, Invocation, accept_global_options
from gwctl.cli.examples import add_examples
from gwctl.core.heap import tune_for_command
from gwctl.core.problems import ConfigError
from gwctl.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, GwctlError


@contextmanager
def friendly_errors(json_output: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Turn every failure into a message and its exit code, never a traceback: a GwctlError
    exits with its own `exit_code`, Ctrl-C with 130 (at a prompt too), anything else 1.
    When the command was asked for `--format json` (`json_output()`), the error is also a
    JSON object on stdout.

    An unexpected exception is reported by its type only: its text could hold anything,
    including a credential value. Click's own exits and usage errors pass through.
    """
    try:
        yield
    except click.Abort as exc:
        if not isinstance(exc.__context__, KeyboardInterrupt):
            raise  # end of input at a prompt: click's "Aborted!"
        _interrupted()
    except (click.exceptions.Exit, click.ClickException):
        raise
    except ConfigError as exc:  # its problems, one per line, each with its location
        _fail(exc, str(exc), exc.exit_code, json_output())
    except GwctlError as exc:
        _fail(exc, f"error: {exc}", exc.exit_code, json_output())
    except KeyboardInterrupt:
        _interrupted()
    except Exception as exc:  # the last line of defence: users never see a traceback
        message = (
            f"internal error ({type(exc).__name__}): please report it with the command you ran"
        )
        _fail(exc, message, EXIT_ERROR, json_output())


def _fail(exc: BaseException, message: str, exit_code: int, as_json: bool) -> NoReturn:
    click.echo(message, err=True)
    if as_json:
        from gwctl.cli.output.errors_json import error_json

        click.echo(error_json(exc, message.removeprefix("error: "), exit_code))
    sys.exit(exit_code)


def _interrupted() -> NoReturn:
    click.echo("\ninterrupted", err=True)  # after the ^C the terminal echoed
    sys.exit(EXIT_INTERRUPTED)


@contextmanager
def _usage_exit_code() -> Iterator[None]:
    """Usage errors exit 64, not click's 2: 2 means "changes" for `plan --detailed-exitcode`
    and `drift`, so CI must never read a mistyped option as a plan with changes."""
    try:
        yield
    except click.UsageError as exc:
        # click types exit_code as a class variable; its main() reads it off the instance
        exc.exit_code = EXIT_USAGE  # type: ignore[misc]
        raise


class _Root(click.Group):
    """The root group: every command runs under `friendly_errors`."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _usage_exit_code():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_exit_code(), friendly_errors(lambda: ctx.meta.get(FORMAT_META) == "json"):
            return super().invoke(ctx)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gwctl")
@click.option(
    "-C",
    "--directory",
    "root",
    type=CONFIG_DIR,
    default=".",
    show_default=True,
    help="The config repository's root (holds gateways.d/ and gwctl.yaml).",
)
@click.option(
    "--env",
    "environment",
    default=None,
    help="A named environment of gwctl.yaml (e.g. staging, production).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path, environment: str | None) -> None:
    """GitOps for SMS gateway accounts: validate, plan and apply gateways.d/ against the store.

    The store is the one gwctl.yaml or GWCTL_STORE_URL names (token in GWCTL_TOKEN), else
    the embedded store under .gwctl/.
    """
    ctx.obj = Invocation(root, environment)


backup_commands.attach(store_commands.store)
for _command in (
    *config_commands.COMMANDS,
    *reconcile_commands.COMMANDS,
    *store_commands.COMMANDS,
    *audit_commands.COMMANDS,
):
    accept_global_options(_command)
    add_examples(_command)
    cli.add_command(_command)


def main() -> None:
    tune_for_command()
    cli(prog_name="gwctl")
