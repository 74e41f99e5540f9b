"""Options of the commands that open the store's database themselves (serve, store ...):
`--db` and `--key-file`, and the database URL and key file they name."""

from __future__ import annotations

from pathlib import Path

import click

from gwctl.cli.context import Invocation

KEY_FILE_ENV = "GWCTL_STORE_KEY_FILE"  # gwctl.store.key_files.KEY_FILE_ENV (not imported: heavy)

DB_OPTION = click.option(
    "--db",
    default=None,
    help="Database URL (sqlite:///…, postgresql+psycopg://…, mysql+pymysql://…); default: "
    "the embedded store's .gwctl/store.sqlite3.",
)

KEY_FILE_OPTION = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=KEY_FILE_ENV,
    default=None,
    help=f"The store key file [env: {KEY_FILE_ENV}]; default: store.key beside a SQLite "
    "database. PostgreSQL and MariaDB need one (or GWCTL_STORE_KEY).",
)


def database(
    invocation: Invocation, db: str | None, key_file: Path | None
) -> tuple[str, Path | None]:
    """The --db URL (by default the embedded store's, so `gwctl serve` shows what
    `gwctl apply` wrote) and the --key-file; None lets the store find the key (beside a
    SQLite database, or GWCTL_STORE_KEY; gwctl.store.key_files)."""
    from gwctl.remote.embedded import store_paths

    url, _key_file, _token = store_paths(invocation.existing_root())
    return db or url, key_file


def embedded_key_file(invocation: Invocation) -> Path:
    """The embedded store's key file (.gwctl/store.key): the key a store moved out of the
    embedded store keeps (`gwctl store restore`)."""
    from gwctl.remote.embedded import store_paths

    return store_paths(invocation.existing_root())[1]
