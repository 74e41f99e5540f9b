"""`gwctl store rotate-key`: re-encrypt the store's credentials under a new key
(gwctl.store.rotation does it; docs/key-rotation.md says how and what it covers)."""

from __future__ import annotations

from pathlib import Path

import click

from gwctl.cli.context import Invocation
from gwctl.cli.store_options import DB_OPTION, KEY_FILE_OPTION, database


@click.command(name="rotate-key")
@DB_OPTION
@KEY_FILE_OPTION
@click.pass_obj
def rotate_key(invocation: Invocation, db: str | None, key_file: Path | None) -> None:
    """Re-encrypt every credential under a new store key, in one transaction (audited).

    The new key goes into the key file first, beside the old one; after the commit the file
    holds the new key only. Killed at any moment, the database is all old or all new and the
    key file decrypts it: run the command again to finish. Running servers reload the key file.

    \b
    With GWCTL_STORE_KEY instead of a key file: set GWCTL_STORE_KEY=<new>,<old> on every
    server and here, run rotate-key, then set GWCTL_STORE_KEY=<new> alone.
    """
    from gwctl.cli.output.rotation import rotation_text
    from gwctl.store.server import rotate_store_key

    url, key_path = database(invocation, db, key_file)
    click.echo(rotation_text(rotate_store_key(url, key_file=key_path)))
