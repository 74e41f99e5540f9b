"""`gwctl store backup` and `gwctl store restore`: the whole store to a signed archive and back,
into an empty database of any supported kind (docs/backup.md). They run the database
directly, as `gwctl store token` does."""

from __future__ import annotations

from pathlib import Path

import click

from gwctl.cli.context import Invocation
from gwctl.cli.store_options import DB_OPTION, KEY_FILE_OPTION, database, embedded_key_file


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@KEY_FILE_OPTION
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
def backup(
    invocation: Invocation, file: Path, db: str | None, key_file: Path | None, force: bool
) -> None:
    """Back up the whole store to FILE: one snapshot, signed, mode 0600, no key inside.

    \b
    Example, before an upgrade:
      gwctl store backup /var/backups/gwctl/store-$(date +%F).gwbackup
    """
    from gwctl.cli.output.backup import backup_text
    from gwctl.store.backup import backup_store

    url, key_file = database(invocation, db, key_file)
    click.echo(backup_text(backup_store(url, file, key_file=key_file, force=force)))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--db",
    required=True,
    help="The empty target database (sqlite:///…, postgresql+psycopg://…, mysql+pymysql://…).",
)
@KEY_FILE_OPTION
@click.pass_obj
def restore(invocation: Invocation, file: Path, db: str, key_file: Path | None) -> None:
    """Restore backup FILE into an empty database, verified before it is committed; the
    key is --key-file's, else the embedded store's (.gwctl/store.key).

    \b
    Example, from the embedded store to PostgreSQL:
      gwctl store backup store.gwbackup
      gwctl store restore store.gwbackup --db postgresql+psycopg://gwctl@db.internal/gwctl
    """
    from gwctl.cli.output.backup import restore_text
    from gwctl.store.restore import restore_store

    key_file = key_file or embedded_key_file(invocation)
    click.echo(restore_text(file, restore_store(file, db, key_file=key_file)))


def attach(store: click.Group) -> None:
    """Add the commands to the `store` group."""
    for command in (backup, restore):
        store.add_command(command)
