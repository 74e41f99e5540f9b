"""Where the store key lives, and its file: the keyring on disk (or in GWCTL_STORE_KEY).

Place: the key file named by `--key-file` or `$GWCTL_STORE_KEY_FILE`, else `store.key` beside
a SQLite database. A PostgreSQL or MariaDB store has no folder of its own: it must name its
key file or set `GWCTL_STORE_KEY`, never get a new key in whatever folder it started in.

File: one base64 key per line, the newest first (two only while a rotation runs); `#` lines
are comments. Created with mode 0600 on first start, rewritten atomically (temp file,
fsync, rename, fsync of the folder), so a crash leaves the old file or the new one whole.
`$GWCTL_STORE_KEY` holds one key, or `<new>,<old>` during a rotation; it wins over any file.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gwctl.core.private_dir import create_key_file
from gwctl.store.crypto import KeyRing, decode_key, generate_key
from gwctl.store.db import sqlite_path
from gwctl.store.errors import StoreConfigError

KEY_ENV = "GWCTL_STORE_KEY"
KEY_FILE_ENV = "GWCTL_STORE_KEY_FILE"
DEFAULT_KEY_FILE = "store.key"
ENV_SOURCE = f"${KEY_ENV}"
HEADER = (
    "# gwctl store key: base64, newest first; a second key only while `gwctl store "
    "rotate-key` runs. Never commit or share this file.\n"
)
NO_KEY = (
    "no store key: this database is not a SQLite file, so there is no folder to keep its key "
    f"beside. Name a key file with --key-file or ${KEY_FILE_ENV} (created with mode 0600 if "
    f"missing; keep it with the server, back it up apart from the database), or set {KEY_ENV} "
    "(docs/key-rotation.md)"
)


def key_file_place(database_url: str, key_file: Path | None) -> Path | None:
    """The key file: `key_file`, else $GWCTL_STORE_KEY_FILE, else `store.key` beside a SQLite
    database; None for another database (then only GWCTL_STORE_KEY can give the key)."""
    if key_file is not None:
        return key_file
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named)
    path = sqlite_path(database_url)
    return None if path is None else path.parent / DEFAULT_KEY_FILE


def from_environment() -> bool:
    """Whether the key comes from GWCTL_STORE_KEY (which then wins over any file)."""
    return bool(os.environ.get(KEY_ENV))


def load_keyring(place: Path | None, *, may_create: bool = True) -> KeyRing:
    """The store keys from $GWCTL_STORE_KEY, else from the file `place` (a new key in a new
    file if it is missing and `may_create`). StoreConfigError naming the file or variable."""
    encoded = os.environ.get(KEY_ENV)
    if encoded:
        return _parse(encoded.replace(",", "\n"), ENV_SOURCE)
    if place is None:
        raise StoreConfigError(NO_KEY)
    if not place.exists():
        if not may_create:
            raise StoreConfigError(f"{place}: the store key file is missing")
        create_key_file(place, HEADER + generate_key() + "\n")
    try:
        text = place.read_bytes().decode("ascii")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StoreConfigError(f"{place}: cannot read the store key: {reason}") from None
    except UnicodeDecodeError:
        raise StoreConfigError(f"{place}: the store key file is not base64 text") from None
    return _parse(text, str(place))


def write_keyring(path: Path, keys: Sequence[bytes]) -> None:
    """Replace the key file at `path` with `keys` (newest first), atomically and durably."""
    text = HEADER + "".join(base64.b64encode(key).decode("ascii") + "\n" for key in keys)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", text=True)
    try:  # mkstemp made it 0600
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _parse(text: str, source: str) -> KeyRing:
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if not keys:
        raise StoreConfigError(f"{source}: holds no store key")
    decoded = tuple(decode_key(key, source) for key in keys)
    return KeyRing(decoded, source)
