"""Running the store: `serve` (uvicorn), `init_store` and admin tokens for `gwctl serve --init`.

Also runnable for tests and operators: `python -m gwctl.store.server --db URL --port 8080`.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from gwctl.core.providers import load_providers
from gwctl.store.checkpoints import open_signer
from gwctl.store.connection_test import BASE_URL_OPTION, BASE_URLS_ENV, base_urls_from
from gwctl.store.db import create_store_engine
from gwctl.store.errors import Conflict, StoreConfigError
from gwctl.store.key_files import key_file_place
from gwctl.store.migrate import upgrade_engine
from gwctl.store.rotation import Rotation, rotate
from gwctl.store.service import GatewayStore
from gwctl.store.signing import AuditSigner, signing_key_path
from gwctl.store.tokens import TokenInfo, create_token, list_tokens, revoke_token

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def serve(
    database_url: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    key_file: Path | None = None,
    log_level: str = "info",
    verify_base_urls: Mapping[str, str] | None = None,
) -> None:
    """Serve the store's API and web page with uvicorn until interrupted; the web page's
    "Test connection" sends provider `p`'s check to `verify_base_urls[p]` if given."""
    from gwctl.store.app import create_app

    app = create_app(database_url, key_file=key_file, verify_base_urls=verify_base_urls)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
    )


def init_store(
    database_url: str,
    *,
    key_file: Path | None = None,
    token_name: str = "admin",  # noqa: S107
) -> str:
    """Migrate the database, create the key if needed, and return a new admin token.

    The token is named `token_name`, or `<token_name>-2`, `-3`... if that name is taken.
    """
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        return _create_unique(store, token_name)
    finally:
        store.close()


@contextmanager
def _migrated(database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(database_url)
    try:
        upgrade_engine(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _signing(database_url: str, key_file: Path | None) -> Iterator[tuple[Engine, AuditSigner]]:
    """A migrated engine whose audit entries are signed with the store's signing key, found
    beside the credential key file as `GatewayStore.open` finds it, and that signer."""
    with _migrated(database_url) as engine:
        key_path = signing_key_path(key_file_place(database_url, key_file))
        yield engine, open_signer(engine, key_path)


def create_named_token(
    database_url: str, name: str, role: str, *, key_file: Path | None = None
) -> str:
    """A new token `name` with `role` (admin | read) on a migrated database.

    Shown once, stored hashed, audited as `token_create`. Conflict if the name is taken,
    ValidationFailed for a bad name or role.
    """
    with _signing(database_url, key_file) as (engine, _signer):
        return create_token(engine, name, role)


def named_tokens(database_url: str) -> list[TokenInfo]:
    """Every token's name, role and creation (never a token value: the store has none)."""
    with _migrated(database_url) as engine:
        return list_tokens(engine)


def no_admin_hint(database_url: str) -> str | None:
    """What to say when the store starts without any admin token: nobody could sign in to
    its page or write through its API."""
    if any(info.role == "admin" for info in named_tokens(database_url)):
        return None
    return (
        "this store has no admin token yet, so nobody can sign in or write: stop it and run "
        "`gwctl serve --init` once (or `gwctl store token create NAME --role admin`)"
    )


def revoke_named_token(database_url: str, name: str, *, key_file: Path | None = None) -> None:
    """Delete token `name` and end its web sessions; audited as `token_revoke`."""
    with _signing(database_url, key_file) as (engine, _signer):
        revoke_token(engine, name)


def signing_public_key(database_url: str, *, key_file: Path | None = None) -> str:
    """The public key (PEM) of the store's audit signing key, read where the server reads it:
    what verifiers pin (`gwctl audit verify --public-key`)."""
    with _signing(database_url, key_file) as (_engine, signer):
        return signer.public_key_pem


def rotate_store_key(database_url: str, *, key_file: Path | None = None) -> Rotation:
    """Re-encrypt every credential under a new key (gwctl.store.rotation); audited."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        return rotate(store.engine, key_file_place(database_url, key_file))
    finally:
        store.close()


def create_admin_token(
    database_url: str, name: str = "admin", *, key_file: Path | None = None
) -> str:
    """A new admin token named `name` (see `create_named_token`)."""
    return create_named_token(database_url, name, "admin", key_file=key_file)


def _create_unique(store: GatewayStore, base: str) -> str:
    for attempt in range(1, 100):
        name = base if attempt == 1 else f"{base}-{attempt}"
        try:
            return store.create_token(name, "admin")
        except Conflict:
            continue
    raise Conflict(f"too many tokens named {base}-<n>: choose another name")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the gwctl store (API and web page).")
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help="the store key file (default: $GWCTL_STORE_KEY_FILE, else store.key beside a "
        "SQLite database; PostgreSQL and MariaDB need one, or GWCTL_STORE_KEY)",
    )
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        BASE_URL_OPTION,
        action="append",
        default=[],
        metavar="PROVIDER=URL",
        help=f"send PROVIDER's connection tests to URL (repeatable; over ${BASE_URLS_ENV})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    try:
        base_urls = base_urls_from(args.verify_base_url, os.environ, load_providers())
        serve(
            args.db,
            args.host,
            args.port,
            key_file=args.key_file,
            log_level=args.log_level,
            verify_base_urls=base_urls,
        )
    except StoreConfigError as exc:  # a clear message and exit status 2, not a traceback
        parser.error(str(exc))


if __name__ == "__main__":
    main()
