"""`--init`: the store's first admin token, created once however often the server starts.

`initialise` migrates the database (and creates the credential key if needed); if the store
has an admin token already it says "already initialised" and creates nothing. Otherwise it
creates the token `admin` and writes it once: to the token file (created exclusively, mode
0600; an existing file is refused before any token exists) or, without one, to `stream`
(stderr: never the access log, which goes to stdout). Two servers started with --init at
once make one token: the second meets the first's name and reports it initialised.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TextIO

from gwctl.store.errors import Conflict, StoreConfigError
from gwctl.store.service import GatewayStore
from gwctl.store.tokens import list_tokens

log = logging.getLogger(__name__)

FIRST_ADMIN = "admin"
ALREADY = "already initialised: the store has an admin token; --init created nothing"


def initialise(
    database_url: str, *, key_file: Path | None, token_file: Path | None, stream: TextIO
) -> str | None:
    """Make the store ready and its first admin token if it has none: the token (written to
    `token_file` or `stream`), or None when the store was initialised already."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        if _has_admin(store):
            log.info(ALREADY)
            return None
        descriptor = _create_token_file(token_file) if token_file is not None else None
        try:
            token = store.create_token(FIRST_ADMIN, "admin")
        except BaseException as exc:
            if descriptor is not None:
                os.close(descriptor)
                assert token_file is not None
                token_file.unlink()
            if isinstance(exc, Conflict) and _has_admin(store):  # another server was first
                log.info(ALREADY)
                return None
            raise
    finally:
        store.close()
    if descriptor is None:
        stream.write(f"admin token (shown once, keep it safe): {token}\n")
        stream.flush()
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
        log.info("admin token %r created and written to %s (mode 0600)", FIRST_ADMIN, token_file)
    return token


def _has_admin(store: GatewayStore) -> bool:
    return any(info.role == "admin" for info in list_tokens(store.engine))


def _create_token_file(path: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, 0o600)
    except FileExistsError:
        raise StoreConfigError(
            f"the init token file {path} exists already: --init writes a new token only to a "
            "new file; move it away or name another (nothing was created)"
        ) from None
    except OSError as exc:
        raise StoreConfigError(
            f"cannot create the init token file {path}: {exc.strerror} (nothing was created)"
        ) from None
