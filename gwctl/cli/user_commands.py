"""`gwctl store user create|list|disable`: the people who sign in to the store's web page.

A password is never a command-line argument (it would be in the shell's history and in every
`ps` listing): it is typed twice without echo, or read from stdin with `--password-stdin`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gwctl.cli.context import Invocation
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.cli.store_options import DB_OPTION, KEY_FILE_OPTION, database
from gwctl.errors import GwctlError


def read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise GwctlError("--password-stdin: stdin gave no password (one line expected)")
        return password
    if not sys.stdin.isatty():
        raise GwctlError(
            "no terminal to type the password at: use --password-stdin "
            "(e.g. `printf '%s\\n' \"$PASSWORD\" | gwctl store user create ...`)"
        )
    typed: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt="Password again", err=True
    )
    return typed


@click.group()
def user() -> None:
    """People who sign in to the web page (user name and password; argon2id hashes)."""


@user.command(name="create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(("admin", "read")),
    required=True,
    help="admin: add, edit and delete gateways; read: see them and their history.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_create(
    invocation: Invocation,
    name: str,
    role: str,
    password_stdin: bool,
    db: str | None,
    key_file: Path | None,
) -> None:
    """Create user NAME, asking for the password (12 to 128 characters) twice."""
    from gwctl.store.server import create_named_user

    url, key_file = database(invocation, db, key_file)
    create_named_user(url, name, role, read_password(password_stdin), key_file=key_file)
    click.echo(f"user {name} created ({role})")


@user.command(name="list")
@DB_OPTION
@FORMAT_OPTION
@click.pass_obj
def user_list(invocation: Invocation, db: str | None, fmt: str) -> None:
    """List the users: name, role, enabled or disabled, created, last sign-in."""
    from gwctl.cli.output.users import user_lines, users_json
    from gwctl.store.server import named_users

    users = named_users(database(invocation, db, None)[0])
    click.echo(users_json(users) if fmt == "json" else "\n".join(user_lines(users)))


@user.command(name="disable")
@click.argument("name")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_disable(invocation: Invocation, name: str, db: str | None, key_file: Path | None) -> None:
    """Disable user NAME at once: no more sign-ins, live sessions end (audited)."""
    from gwctl.store.server import disable_named_user

    url, key_file = database(invocation, db, key_file)
    disable_named_user(url, name, key_file=key_file)
    click.echo(f"user {name} disabled")
