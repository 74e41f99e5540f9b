"""The `gwctl` command line: parses arguments, calls one module function, prints, exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from gwctl import __version__
from gwctl.problems import ConfigError
from gwctl.report import FORMATS, render_problems
from gwctl.schemas import COMMON_SCHEMA, SchemaDirError, load_providers, read_schema_file
from gwctl.secrets import SecretError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INVALID = 1
CONFIG_DIR = click.Path(file_okay=False, dir_okay=True, path_type=Path)


def friendly_errors(command: F) -> F:
    """Turn every failure into a one-line message and exit code 1, never a traceback.

    An unexpected exception is reported by its type only: its text could hold anything,
    including a credential value.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ConfigError as exc:
            click.echo(str(exc), err=True)
        except (SecretError, SchemaDirError) as exc:
            click.echo(f"error: {exc}", err=True)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
        except Exception as exc:  # the last line of defence: users never see a traceback
            click.echo(f"internal error ({type(exc).__name__}): please report it with the "
                       "command you ran", err=True)
        sys.exit(EXIT_INVALID)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gwctl")
def cli() -> None:
    """GitOps for SMS gateway accounts: validate, plan and apply gateways.d/ against the store."""


@cli.command()
@click.argument("directory", type=CONFIG_DIR, default=".")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json for tools, github for pull-request annotations.")
@click.option("--decrypt", is_flag=True,
              help="Also decrypt the secret files (needs the sops key) and check the values.")
@friendly_errors
def validate(directory: Path, fmt: str, decrypt: bool) -> None:
    """Check every account in DIRECTORY/gateways.d: schema, names, logos, secrets.

    Works without the decryption key (secret files are checked for encryption and field
    names); --decrypt checks the values too. Exit 0 when valid, 1 when not.
    """
    from gwctl.validate import validate as run_validation

    config = run_validation(directory, decrypt=decrypt)
    click.echo(render_problems(config.problems, fmt, len(config.accounts)))
    sys.exit(0 if config.valid else EXIT_INVALID)


@cli.command()
@friendly_errors
def providers() -> None:
    """List the gateway providers and their credential fields."""
    for provider in load_providers().values():
        fields = ", ".join(
            f"{field.name} ({field.title}; {field.column} column, "
            f"{'secret' if field.secret else 'shown in clear'})"
            for field in provider.credentials
        )
        click.echo(f"{provider.id:<12} {provider.company_name:<12} {fields}")


@cli.command()
@click.argument("provider", required=False)
@friendly_errors
def schema(provider: str | None) -> None:
    """Print the JSON Schema of PROVIDER, or all schemas keyed by file name."""
    known = load_providers()
    if provider is None:
        names = [COMMON_SCHEMA] + [f"{pid}.schema.json" for pid in known]
        click.echo(json.dumps({name: read_schema_file(name) for name in names}, indent=2,
                              ensure_ascii=False))
        return
    if provider not in known:
        raise click.BadParameter(f"unknown provider {provider!r}; known: {', '.join(known)}",
                                 param_hint="PROVIDER")
    click.echo(json.dumps(read_schema_file(f"{provider}.schema.json"), indent=2,
                          ensure_ascii=False))


def main() -> None:
    cli(prog_name="gwctl")
