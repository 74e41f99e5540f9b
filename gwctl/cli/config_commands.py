"""Commands about the config repository on disk: validate, providers, schema, init, add."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gwctl.cli.context import CONFIG_DIR, Invocation
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.cli.output.files import written_files
from gwctl.cli.output.problems import PROBLEM_FORMATS, render_problems
from gwctl.config.ci_templates import CI_KINDS
from gwctl.errors import EXIT_ERROR, EXIT_OK

F = TypeVar("F", bound=Callable[..., Any])


@click.command()
@click.argument("directory", type=CONFIG_DIR, required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PROBLEM_FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for pull-request annotations.",
)
@click.option(
    "--decrypt",
    is_flag=True,
    help="Also decrypt the secret files (needs the sops key) and check the values.",
)
@click.pass_obj
def validate(invocation: Invocation, directory: Path | None, fmt: str, decrypt: bool) -> None:
    """Check every account in DIRECTORY/gateways.d: schema, names, logos, secrets.

    DIRECTORY defaults to the -C directory (the current one unless given). Works without
    the decryption key (secret files are checked for encryption and field names);
    --decrypt checks the values too. Exit 0 when valid, 1 when not.
    """
    from gwctl.config.validate import validate as run_validation

    config = run_validation(directory or invocation.root, decrypt=decrypt)
    click.echo(render_problems(config.problems, fmt, len(config.accounts)))
    sys.exit(EXIT_OK if config.valid else EXIT_ERROR)


@click.command()
@FORMAT_OPTION
def providers(fmt: str) -> None:
    """List the gateway providers and their credential fields."""
    from gwctl.cli.output.data_json import providers_json
    from gwctl.cli.output.providers import render_providers
    from gwctl.core.providers import load_providers

    known = load_providers().values()
    click.echo(providers_json(known) if fmt == "json" else render_providers(known))


@click.command()
@click.argument("provider", required=False)
@click.option(
    "--write",
    "write_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    help="Write the editor's copies of all schemas into DIR instead (in a config "
    "repository: --write schema, where the account files' first line points).",
)
def schema(provider: str | None, write_dir: Path | None) -> None:
    """Print the JSON Schema of PROVIDER, or all schemas keyed by file name; with --write,
    write the editor's copies of the schemas instead."""
    from gwctl.cli.output.schemas import render_schemas
    from gwctl.config.editor_schemas import write_editor_schemas
    from gwctl.core.providers import schema_files

    if write_dir is not None:
        if provider is not None:
            raise click.UsageError("--write writes every provider's schema: leave out PROVIDER")
        for line in written_files(write_editor_schemas(write_dir), "wrote"):
            click.echo(line)
        return
    try:
        schemas = schema_files(provider)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PROVIDER") from None
    click.echo(render_schemas(schemas, keyed=provider is None))


@click.command()
@click.argument("directory", type=CONFIG_DIR, required=False)
@click.option(
    "--age",
    "recipients",
    multiple=True,
    metavar="AGE1...",
    help="An age public key to encrypt the secret files to (repeatable); default: "
    "the public key of your identity in SOPS_AGE_KEY_FILE.",
)
@click.option(
    "--ci",
    multiple=True,
    type=click.Choice(CI_KINDS),
    help="Also write the CI files of that system (repeatable).",
)
@click.pass_obj
def init(
    invocation: Invocation,
    directory: Path | None,
    recipients: tuple[str, ...],
    ci: tuple[str, ...],
) -> None:
    """Make a new config repository in DIRECTORY (default: -C): gateways.d/, .sops.yaml,
    gwctl.yaml, .gitignore, the editor's schemas and, with --ci, the CI files.

    Writes nothing if any of those files exists. Example: gwctl init --age age1... --ci github
    """
    from gwctl.cli.output.added import init_next_steps
    from gwctl.config.age_keys import check_recipients, identity_recipients
    from gwctl.config.init_repo import init_repository

    age = check_recipients(recipients) if recipients else identity_recipients()
    for line in written_files(init_repository(directory or invocation.root, age, ci)):
        click.echo(line)
    click.echo(init_next_steps(age), err=True)


_ADD_FIELDS = (
    "name",
    "status",
    "sending_pattern",
    "fallback_sender_id",
    "logo",
    "description",
    "signup_link",
)


def _add_options(command: F) -> F:
    """One option per account field, so that scripts can answer every prompt."""
    for name in reversed(_ADD_FIELDS):
        command = click.option(
            "--" + name.replace("_", "-"),
            name,
            default=None,
            help=f"The account's {name} (asked for when not given).",
        )(command)
    return command


@click.command()
@click.argument("provider")
@click.argument("key")
@_add_options
@click.option(
    "--protect/--no-protect",
    default=None,
    help="gwctl never deletes a protected account (asked for when not given).",
)
@click.option(
    "--credential-env",
    "credential_env",
    multiple=True,
    metavar="FIELD=VARIABLE",
    help="Read credential FIELD from environment variable VARIABLE (repeatable).",
)
@click.option(
    "--credentials-stdin",
    is_flag=True,
    help="Read the credentials from stdin, one FIELD=VALUE per line.",
)
@click.pass_obj
def add(
    invocation: Invocation,
    /,
    provider: str,
    key: str,
    protect: bool | None,
    credential_env: tuple[str, ...],
    credentials_stdin: bool,
    **fields: str | None,
) -> None:
    """Add account KEY of PROVIDER: asks for each field of its schema (credentials hidden),
    writes gateways.d/KEY.yaml and KEY.secret.yaml encrypted by sops, then validates.

    Without a terminal every value must be given (options, --credential-env or
    --credentials-stdin). Example: gwctl add twilio twilio-us --name "Twilio US"
    """
    from gwctl.cli.output.added import render_added
    from gwctl.cli.prompts import given_answers, terminal_ask
    from gwctl.config.add_account import collect, start, write

    new = start(invocation.root, provider, key)
    given = given_answers(fields, protect, credential_env, credentials_stdin)
    collect(new, given, terminal_ask if sys.stdin.isatty() and not credentials_stdin else None)
    added = write(new)
    click.echo(render_added(key, added))
    sys.exit(EXIT_ERROR if any(problem.is_error for problem in added.problems) else EXIT_OK)


@click.group(name="fingerprint-key")
def fingerprint_key() -> None:
    """The repository's fingerprint key (gateways.d/_fingerprint-key.secret.yaml)."""


@fingerprint_key.command(name="create")
@click.pass_obj
def fingerprint_key_create(invocation: Invocation) -> None:
    """Make the key, sops-encrypted like the secret files, then commit it: gwctl
    fingerprints credentials with it, so the store holds nothing a guess can be tested on."""
    from gwctl.config.fingerprint_key import create_fingerprint_key

    root = invocation.existing_root()
    click.echo(create_fingerprint_key(root).relative_to(root).as_posix())


COMMANDS = (validate, providers, schema, init, add, fingerprint_key)
