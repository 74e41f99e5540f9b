"""`gwctl store user create|list|disable|enable|set-role|reset-password`: the people who
sign in to the store's web page.

A password is never a command-line argument (it would be in the shell's history and in every
`ps` listing): it is typed twice without echo, or read from stdin with `--password-stdin`.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gwctl.cli.context import Invocation
from gwctl.cli.output.data_json import FORMAT_OPTION
from gwctl.cli.store_options import DB_OPTION, KEY_FILE_OPTION, database
from gwctl.errors import GwctlError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine


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


ROLE_HELP = "admin: add, edit and delete gateways; read: see them and their history."


@click.group()
def user() -> None:
    """People who sign in to the web page (user name and password; argon2id hashes)."""


@user.command(name="create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(("admin", "read")),
    required=True,
    help=ROLE_HELP,
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


def change_user(
    invocation: Invocation,
    db: str | None,
    key_file: Path | None,
    change: Callable[[Engine], None],
) -> None:
    """Run one of gwctl.store.users' changes of a user on the store the options name."""
    from gwctl.store.server import change_named_user

    url, key_file = database(invocation, db, key_file)
    change_named_user(url, change, key_file=key_file)


@user.command(name="disable")
@click.argument("name")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_disable(invocation: Invocation, name: str, db: str | None, key_file: Path | None) -> None:
    """Disable user NAME at once: no more sign-ins, live sessions end (audited)."""
    from gwctl.store.users import disable_user

    change_user(invocation, db, key_file, partial(disable_user, name=name))
    click.echo(f"user {name} disabled")


@user.command(name="enable")
@click.argument("name")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_enable(invocation: Invocation, name: str, db: str | None, key_file: Path | None) -> None:
    """Let disabled user NAME sign in again, with their password (audited)."""
    from gwctl.store.users import enable_user

    change_user(invocation, db, key_file, partial(enable_user, name=name))
    click.echo(f"user {name} enabled")


@user.command(name="set-role")
@click.argument("name")
@click.option("--role", type=click.Choice(("admin", "read")), required=True, help=ROLE_HELP)
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_set_role(
    invocation: Invocation, name: str, role: str, db: str | None, key_file: Path | None
) -> None:
    """Give user NAME another role; open sessions have it from their next request (audited)."""
    from gwctl.store.users import set_user_role

    change_user(invocation, db, key_file, partial(set_user_role, name=name, role=role))
    click.echo(f"user {name} is now {role}")


@user.command(name="reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def user_reset_password(
    invocation: Invocation, name: str, password_stdin: bool, db: str | None, key_file: Path | None
) -> None:
    """Set a new password for user NAME (who forgot theirs), asked twice; all their sessions
    end (audited, never the password)."""
    from gwctl.store.users import reset_password

    password = read_password(password_stdin)
    change_user(invocation, db, key_file, partial(reset_password, name=name, password=password))
    click.echo(f"user {name}: password reset, sessions ended")
