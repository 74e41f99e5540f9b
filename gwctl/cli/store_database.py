"""The `--db` option of the commands that run the store's database themselves (serve, store
token, store user, ...), and where its default and the key file are."""

from __future__ import annotations

from pathlib import Path

import click

from gwctl.cli.context import Invocation


def database_of(invocation: Invocation, db: str | None) -> tuple[str, Path]:
    """The --db URL (by default the embedded store's, so `gwctl serve` shows what
    `gwctl apply` wrote) and the key file used unless GWCTL_STORE_KEY is set."""
    from gwctl.core.private_dir import make_private_dir
    from gwctl.remote.embedded import store_paths

    url, key_file, _token = store_paths(invocation.existing_root())
    make_private_dir(key_file.parent)
    return db or url, key_file


DB_OPTION = click.option(
    "--db",
    default=None,
    help="Database URL (sqlite:///…, postgresql+psycopg://…, mysql+pymysql://…); default: "
    "the embedded store's .gwctl/store.sqlite3.",
)
