"""Commands that read or run the store: gateways, history, lock, serve, store token, store
user (gwctl.cli.user_commands) and store signing-key. Only serve, store token and store user
reach gwctl.store directly (they run the database); the others go through the store's API
like every other command."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from gwctl.cli.context import Invocation, Lifetime, Moment
from gwctl.cli.key_commands import rotate_key
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.cli.output.history import HISTORY_FORMATS
from gwctl.cli.store_options import DB_OPTION as _DB_OPTION
from gwctl.cli.store_options import KEY_FILE_OPTION as _KEY_FILE_OPTION
from gwctl.cli.store_options import database as _database
from gwctl.cli.user_commands import user
from gwctl.store.settings import OPTIONS


@click.command()
@FORMAT_OPTION
@click.pass_obj
def gateways(invocation: Invocation, fmt: str) -> None:
    """Print the store's Available Gateways table (credentials masked).

    \b
    Example, the keys of the inactive accounts:
      gwctl gateways --format json | jq -r '.[] | select(.status == "inactive") | .key'
    """
    from gwctl.cli.output.data_json import gateways_json
    from gwctl.cli.output.gateways import available_gateways

    with invocation.store() as client:
        listed = client.list_gateways()
    click.echo(gateways_json(listed) if fmt == "json" else available_gateways(listed))


@click.command()
@click.argument("key", required=False)
@click.option(
    "--since",
    type=Moment(),
    help="Only entries at or after this date or time (2026-12-02, 2026-12-02T10:30: UTC "
    "unless a zone is given).",
)
@click.option("--actor", help="Only entries by this actor.")
@click.option(
    "--format", "fmt", type=click.Choice(HISTORY_FORMATS), default="text", show_default=True
)
@click.pass_obj
def history(
    invocation: Invocation, key: str | None, since: str | None, actor: str | None, fmt: str
) -> None:
    """Print the store's audit trail: who changed what, when, from which commit and plan."""
    from gwctl.cli.output.history import render_history

    with invocation.store() as client:
        click.echo(render_history(client.audit_entries(key=key, since=since, actor=actor), fmt))


@click.group()
def lock() -> None:
    """The store's apply lock."""


@lock.command()
@FORMAT_OPTION
@click.pass_obj
def status(invocation: Invocation, fmt: str) -> None:
    """Show who holds the apply lock."""
    from gwctl.cli.output.data_json import lock_json
    from gwctl.cli.output.lock import lock_status_text

    with invocation.store() as client:
        state = client.lock_status()
    click.echo(lock_json(state) if fmt == "json" else lock_status_text(state))


@lock.command()
@click.option(
    "--force", is_flag=True, required=True, help="Required: breaks another apply's lock (audited)."
)
@click.pass_obj
def release(invocation: Invocation, force: bool) -> None:
    """Break the apply lock of a dead apply (admin; recorded in the audit log)."""
    with invocation.store() as client:
        client.force_release_lock()
    click.echo("lock released")


def _serve_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of gwctl/store/settings.py's table, each naming its environment variable:
    values are checked there, so both entry points accept and refuse the same."""
    for option in reversed(OPTIONS):
        if option.is_flag:
            decorate = click.option(option.flag, option.name, is_flag=True, help=option.describe())
        else:
            decorate = click.option(
                option.flag,
                option.name,
                multiple=option.repeatable,
                metavar=option.metavar,
                help=option.describe(),
            )
        command = decorate(command)
    return command


@click.command()
@_serve_options
@click.pass_obj
def serve(invocation: Invocation, /, **given: Any) -> None:
    """Run the store: REST API under /api/v1 and the SMS Gateways web page.

    Without --db (or GWCTL_DB_URL) it serves the embedded store's .gwctl/store.sqlite3."""
    from gwctl.store.server import serve as run_server
    from gwctl.store.settings import resolve, with_defaults

    # checked before anything starts: a typo is an error now, not a test sent elsewhere later
    settings = resolve(given, os.environ)
    url, key_file = _database(invocation, None, None)
    run_server(with_defaults(settings, url, key_file))


@click.group()
def store() -> None:
    """Administration of the live store."""


store.add_command(user)


@store.group()
def token() -> None:
    """API tokens (stored hashed; shown once)."""


@token.command(name="create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(("admin", "read")),
    required=True,
    help="admin: read and write; read: auditors (no writes, no clear secrets).",
)
@click.option(
    "--expires",
    "lifetime",
    type=Lifetime(),
    default=None,
    metavar="LIFETIME",
    help="Refuse the token after this long: 30m, 12h, 90d, 52w (at most 730d), or never. "
    "Default: never (`token list` flags such tokens).",
)
@_DB_OPTION
@_KEY_FILE_OPTION
@click.pass_context
def token_create(
    ctx: click.Context,
    name: str,
    role: str,
    lifetime: timedelta | None,
    db: str | None,
    key_file: Path | None,
) -> None:
    """Create a token NAME and print it once (only the token on stdout)."""
    from gwctl.store.server import create_named_token

    url, key_file = _database(ctx.obj, db, key_file)
    click.echo(create_named_token(url, name, role, key_file=key_file, lifetime=lifetime))
    if ctx.get_parameter_source("lifetime") is ParameterSource.DEFAULT:
        click.echo(f"note: token {name} never expires; give --expires 90d to limit it", err=True)


@token.command(name="list")
@_DB_OPTION
@FORMAT_OPTION
@click.pass_obj
def token_list(invocation: Invocation, db: str | None, fmt: str) -> None:
    """List the tokens: name, role, created when and by whom, expiry (EXPIRED, or NEVER
    EXPIRES flagged) and last use, to the minute, with its address (never their values)."""
    from gwctl.cli.output.data_json import tokens_json
    from gwctl.cli.output.tokens import token_lines
    from gwctl.store.server import named_tokens

    url, _key_file = _database(invocation, db, None)
    tokens = named_tokens(url)
    click.echo(tokens_json(tokens) if fmt == "json" else "\n".join(token_lines(tokens)))


@token.command(name="revoke")
@click.argument("name")
@_DB_OPTION
@_KEY_FILE_OPTION
@click.pass_obj
def token_revoke(invocation: Invocation, name: str, db: str | None, key_file: Path | None) -> None:
    """Revoke token NAME at once (audited)."""
    from gwctl.store.server import revoke_named_token

    url, key_file = _database(invocation, db, key_file)
    revoke_named_token(url, name, key_file=key_file)
    click.echo(f"token {name} revoked")


@store.command(name="signing-key")
@_DB_OPTION
@_KEY_FILE_OPTION
@click.pass_obj
def signing_key(invocation: Invocation, db: str | None, key_file: Path | None) -> None:
    """Print the public key of the store's audit signing key (PEM), from the server's key
    file: pin it for `gwctl audit verify --public-key`."""
    from gwctl.store.server import signing_public_key

    url, key_file = _database(invocation, db, key_file)
    click.echo(signing_public_key(url, key_file=key_file), nl=False)


store.add_command(rotate_key)

COMMANDS = (gateways, history, lock, serve, store)
