"""Running the store: `serve` (uvicorn on the settings of settings.py), and the admin-token
helpers of `gwctl serve --init` and `gwctl store token`.

Also runnable for tests and operators, with the same options and environment variables as
`gwctl serve`: `python -m gwctl.store.server --db URL --port 8080` (or GWCTL_DB_URL=...).
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import uvicorn
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError

from gwctl.errors import GwctlError
from gwctl.store.checkpoints import open_signer
from gwctl.store.db import create_store_engine
from gwctl.store.errors import StoreConfigError
from gwctl.store.factory import FACTORY
from gwctl.store.first_admin import initialise
from gwctl.store.key_files import key_file_place
from gwctl.store.logs import logging_config
from gwctl.store.metrics_serving import metrics_listener, multiprocess_directory
from gwctl.store.migrate import upgrade_engine
from gwctl.store.rotation import Rotation, rotate
from gwctl.store.service import GatewayStore
from gwctl.store.settings import OPTIONS, ServeSettings, resolve, to_environ
from gwctl.store.signing import AuditSigner, signing_key_path
from gwctl.store.tokens import TokenInfo, create_token, list_tokens, revoke_token
from gwctl.store.users import UserInfo, create_user, list_users

log = logging.getLogger("gwctl.store.server")  # also when run as __main__


def serve(settings: ServeSettings, *, stream: TextIO | None = None) -> None:
    """Serve the store's API and web page on `settings` until interrupted.

    Before uvicorn starts, and once for all its workers: logging is set up, the database is
    migrated and the key made if missing, and `--init` creates the first admin token (written
    to its file or `stream`, default stderr). Each worker then builds the app from the
    environment (factory.py), where the settings are written for it. Their requests are
    counted in a fresh multi-process directory, and /metrics served where the metrics settings
    say (metrics_serving.py).
    """
    database_url = settings.database_url()
    config = logging_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(config)
    prepare(settings, stream or sys.stderr)
    log.info(
        "serving http://%s:%d/ (API: /api/v1, OpenAPI: /openapi.json) with %d worker(s) on %s",
        settings.host,
        settings.port,
        settings.workers,
        masked_url(database_url),
    )
    for provider, url in settings.verify_base_urls.items():  # checked: no user or password
        log.info("Test connection of %s gateways goes to %s", provider, url)
    os.environ.update(to_environ(settings))
    # the workers inherit PROMETHEUS_MULTIPROC_DIR; prometheus-client is first imported after it
    with multiprocess_directory(), metrics_listener(settings) as metrics_port:
        if metrics_port is not None:
            log.info("serving /metrics on %s port %d", settings.metrics_host, metrics_port)
        uvicorn.run(
            FACTORY,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=config,
            log_level=settings.log_level,
            access_log=False,  # access_log.py logs each request, with the time it took
            server_header=False,
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
        )


def prepare(settings: ServeSettings, stream: TextIO) -> None:
    """Migrate the database and make the key if missing; with `settings.init` create the first
    admin token, else warn if the store has none. A database that does not answer is a
    StoreConfigError naming it with its password masked."""
    database_url = settings.database_url()
    try:
        if settings.init:
            initialise(
                database_url,
                key_file=settings.key_file,
                token_file=settings.init_token_file,
                stream=stream,
            )
            return
        GatewayStore.open(database_url, key_file=settings.key_file).close()
        if (hint := no_admin_hint(database_url)) is not None:
            log.warning(hint)
    except DBAPIError as exc:
        raise StoreConfigError(
            f"the database {masked_url(database_url)} does not answer: {_reason(exc, database_url)}"
        ) from None


def masked_url(database_url: str) -> str:
    """The URL as it may be shown: its password as ***."""
    return make_url(database_url).render_as_string(hide_password=True)


def _reason(exc: DBAPIError, database_url: str) -> str:
    """The driver's first line, without the URL's password should a driver ever quote it."""
    first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    password = make_url(database_url).password
    return first.replace(str(password), "***") if password else first


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
    database_url: str,
    name: str,
    role: str,
    *,
    key_file: Path | None = None,
    lifetime: timedelta | None = None,
) -> str:
    """A new token `name` with `role` (admin | read) on a migrated database, expiring after
    `lifetime` (None: never).

    Shown once, stored hashed, audited as `token_create`. Conflict if the name is taken,
    ValidationFailed for a bad name, role or lifetime.
    """
    with _signing(database_url, key_file) as (engine, _signer):
        return create_token(engine, name, role, lifetime=lifetime)


def named_tokens(database_url: str) -> list[TokenInfo]:
    """Every token's name, role, creation, expiry and last use (never a token value: the
    store has none)."""
    with _migrated(database_url) as engine:
        return list_tokens(engine)


def no_admin_hint(database_url: str) -> str | None:
    """What to say when the store starts without any enabled admin user: nobody could sign
    in to its page to change a gateway."""
    if any(info.role == "admin" and info.enabled for info in named_users(database_url)):
        return None
    return (
        "this store has no enabled admin user yet, so nobody can sign in to its page to make "
        "changes: run `gwctl store user create NAME --role admin`"
    )


def revoke_named_token(database_url: str, name: str, *, key_file: Path | None = None) -> None:
    """Delete token `name` (refused from then on); audited as `token_revoke`."""
    with _signing(database_url, key_file) as (engine, _signer):
        revoke_token(engine, name)


def create_named_user(
    database_url: str, name: str, role: str, password: str, *, key_file: Path | None = None
) -> None:
    """A new user `name` with `role` (admin | read) who signs in to the page with `password`
    (stored as an argon2id hash); audited as `user_create`."""
    with _signing(database_url, key_file) as (engine, _signer):
        create_user(engine, name, role, password)


def named_users(database_url: str) -> list[UserInfo]:
    """Every user: name, role, enabled or disabled, created when and by whom, last sign-in."""
    with _migrated(database_url) as engine:
        return list_users(engine)


def change_named_user(
    database_url: str, change: Callable[[Engine], None], *, key_file: Path | None = None
) -> None:
    """Run `change`, one of gwctl.store.users' changes of a user (disable_user, enable_user,
    set_user_role, reset_password), on the migrated store, its audit entry signed."""
    with _signing(database_url, key_file) as (engine, _signer):
        change(engine)


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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Serve the gwctl store (API and web page); every option is also read from "
        "its environment variable."
    )
    for option in OPTIONS:
        if option.is_flag:
            parser.add_argument(
                option.flag, dest=option.name, action="store_true", help=option.describe()
            )
        else:
            parser.add_argument(
                option.flag,
                dest=option.name,
                action="append" if option.repeatable else "store",
                metavar=option.metavar,
                help=option.describe(),
            )
    args = parser.parse_args(argv)
    try:
        serve(resolve(vars(args), os.environ))
    except StoreConfigError as exc:  # a clear message and exit status 2, not a traceback
        parser.error(str(exc))
    except GwctlError as exc:
        parser.exit(1, f"error: {exc}\n")


if __name__ == "__main__":
    main()
