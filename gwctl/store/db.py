"""The store's database: SQLAlchemy tables, engines for SQLite/PostgreSQL/MariaDB, transactions.

Every table is shared state of all `gwctl serve` processes on one database. Writes serialize
on the single `audit_head` row: `write_transaction` locks it first (SELECT ... FOR UPDATE on
PostgreSQL and MariaDB, BEGIN IMMEDIATE on SQLite), so version checks, uniqueness checks,
the apply lock and the audit chain never race, and retries on deadlocks or serialization
failures stay bounded.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import (
    VARCHAR,
    Boolean,
    DateTime,
    Dialect,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from gwctl.core.private_dir import PRIVATE_DIR, make_private_dir
from gwctl.store.errors import StoreConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")

SINGLETON_ID = 1
MYSQL_TABLE_ARGS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
WRITE_OPTION = "gwctl_write"
RETRY_ATTEMPTS = 6


def key_string() -> Any:
    """Type of a gateway key: ASCII, compared and ordered byte-wise on every database."""
    return (
        String(63)
        # sqlalchemy.dialects.postgresql.VARCHAR is this VARCHAR: importing that package
        # would cost every start of the (SQLite) embedded store ~50 ms
        .with_variant(VARCHAR(63, collation="C"), "postgresql")
        .with_variant(mysql.VARCHAR(63, charset="ascii", collation="ascii_bin"), "mysql", "mariadb")
    )


def blob() -> Any:
    """Binary type big enough for a 256 KiB logo (MySQL's BLOB stops at 64 KiB)."""
    return LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC time stored without zone (portable) and read back as an aware datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class GatewayRow(Base):
    """One gateway account. Credential columns hold AES-GCM ciphertext (see crypto.py)."""

    __tablename__ = "gateways"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(key_string(), unique=True)
    provider: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    name_normalized: Mapped[str] = mapped_column(String(256), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    sending_pattern: Mapped[str] = mapped_column(String(16))
    fallback_sender_id: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(String(500))
    signup_link: Mapped[str | None] = mapped_column(String(2048))
    logo_data: Mapped[bytes | None] = mapped_column(blob(), deferred=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(32))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_size: Mapped[int | None] = mapped_column(Integer)
    api_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    api_key_fingerprint: Mapped[str | None] = mapped_column(String(128))
    secret_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret_key_fingerprint: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[bytes | None] = mapped_column(LargeBinary)
    username_fingerprint: Mapped[str | None] = mapped_column(String(128))
    password: Mapped[bytes | None] = mapped_column(LargeBinary)
    password_fingerprint: Mapped[str | None] = mapped_column(String(128))
    managed_by: Mapped[str] = mapped_column(String(16))
    protect: Mapped[bool] = mapped_column(Boolean)
    applied_digest: Mapped[str | None] = mapped_column(String(256))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(255))


class TokenRow(Base):
    """An API token: only its SHA-256 is stored; its last use is kept to the minute (tokens.py)."""

    __tablename__ = "tokens"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never expires
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_from: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    """One entry of the append-only, hash-chained audit log (see audit.py)."""

    __tablename__ = "audit_log"
    __table_args__ = MYSQL_TABLE_ARGS

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    token_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(key_string(), index=True)
    fields: Mapped[str] = mapped_column(Text)
    source_commit: Mapped[str | None] = mapped_column(String(255))
    plan_id: Mapped[str | None] = mapped_column(String(255))
    changeset_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CheckpointRow(Base):
    """A signed head of the audit chain, one per write transaction that appended entries."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = MYSQL_TABLE_ARGS

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))  # RFC 3339, exactly the text that was signed
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))


class AuditHeadRow(Base):
    """The single row holding the chain's head; every write transaction locks it first."""

    __tablename__ = "audit_head"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ApplyLockRow(Base):
    """The single apply-lock row; `lock_id` is NULL while no lock was ever taken or released."""

    __tablename__ = "apply_lock"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lock_id: Mapped[str | None] = mapped_column(String(64))
    holder: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(String(500))
    ci_job: Mapped[str | None] = mapped_column(String(255))
    source_commit: Mapped[str | None] = mapped_column(String(255))
    token_name: Mapped[str | None] = mapped_column(String(64))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # how far each renewal moves expires_at; and who asked, so that a retried request (its
    # answer lost) gets this lock back: SHA-256 of token name, Idempotency-Key and body
    lease_seconds: Mapped[int | None] = mapped_column(Integer)
    request_digest: Mapped[str | None] = mapped_column(String(64))


class IdempotencyRow(Base):
    """The stored response of a changeset, by its Idempotency-Key (kept 24 hours)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = MYSQL_TABLE_ARGS

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class WebSessionRow(Base):
    """A signed-in user's web page session; only the SHA-256 of the session id is stored."""

    __tablename__ = "web_sessions"
    __table_args__ = MYSQL_TABLE_ARGS

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MetaRow(Base):
    """Store-wide settings, e.g. the check value proving the encryption key is the right one."""

    __tablename__ = "store_meta"
    __table_args__ = MYSQL_TABLE_ARGS

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def now_utc() -> datetime:
    """The current time in UTC, whole seconds (as every database and the API keep it)."""
    return datetime.now(UTC).replace(microsecond=0)


def default_database_url(root: Path) -> str:
    """The embedded store's SQLite file under `<root>/.gwctl/`."""
    return f"sqlite:///{(root / PRIVATE_DIR / 'store.sqlite3').resolve()}"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases (and in-memory SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


# A PostgreSQL server that accepts connections and then says nothing (a hung host, a network
# partition) must not hold a request, or a /readyz probe, for the operating system's TCP
# timeout of minutes (libpq waits forever by default); a connect_timeout in the URL wins.
# PyMySQL bounds its TCP connect by itself (10 s), not its wait for the server's greeting:
# docs/deployment.md says so.
CONNECT_TIMEOUT_S = 10


def create_store_engine(database_url: str) -> Engine:
    """An engine tuned for the store: WAL and IMMEDIATE writes on SQLite, READ COMMITTED else."""
    try:
        url = make_url(database_url)
    except Exception:  # the URL may hold a password: never echo it
        raise StoreConfigError("the database URL cannot be parsed") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(database_url)
        if path is not None:
            make_private_dir(path.parent)
            if not path.exists():  # private from the start; SQLite gives -wal/-shm its mode
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    if backend in ("postgresql", "mysql", "mariadb"):
        if backend != "postgresql" and "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        if backend == "postgresql" and "connect_timeout" not in url.query:
            url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
        try:
            return create_engine(
                url,
                hide_parameters=True,
                isolation_level="READ COMMITTED",
                pool_pre_ping=True,
                pool_recycle=3600,
            )
        except ModuleNotFoundError:  # the drivers are extras: the base install has SQLite only
            extra = "postgres" if backend == "postgresql" else "mysql"
            raise StoreConfigError(
                f"the {backend} database driver is not installed: "
                f"pip install 'gwctl[{extra}]' (or 'gwctl[server]' for every database)"
            ) from None
    raise StoreConfigError(
        f"unsupported database {backend!r}: use sqlite:///..., postgresql+psycopg://... "
        "or mysql+pymysql://..."
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def read_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in a read-only transaction (rolled back at the end)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            return work(session)
        finally:
            session.rollback()


def write_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in a write transaction that holds the store-wide write lock, then commit.

    `work` may run more than once: on a deadlock or serialization failure the whole
    transaction is retried (a bounded number of times). Any exception from `work` rolls back
    everything it did.
    """
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        with Session(engine, expire_on_commit=False) as session:
            try:
                session.connection(execution_options={WRITE_OPTION: True})
                _lock_write_head(session)
                result = work(session)
                if AUDIT_START in session.info:
                    _seal(engine, session)
                session.commit()
                return result
            except DBAPIError as exc:
                session.rollback()
                if attempt == RETRY_ATTEMPTS or not is_retryable(exc):
                    raise
                log.warning("retrying a write transaction after %s", type(exc.orig).__name__)
            except BaseException:
                session.rollback()
                raise
        time.sleep(0.02 * 2**attempt)
    raise AssertionError("unreachable")


# Set by gwctl.store.audit.append in the first append of a transaction: the head it found.
AUDIT_START = "gwctl_audit_start"
Sealer = Callable[[Session], None]
_SEALERS: WeakKeyDictionary[Engine, Sealer] = WeakKeyDictionary()


def seal_audit_with(engine: Engine, sealer: Sealer) -> None:
    """Have every write transaction on `engine` that appended audit entries call `sealer`
    just before it commits (gwctl.store.checkpoints signs the new head there)."""
    _SEALERS[engine] = sealer


def _seal(engine: Engine, session: Session) -> None:
    sealer = _SEALERS.get(engine)
    if sealer is None:
        raise StoreConfigError(
            "this store was opened without its audit signing key: nothing is written unsigned"
        )
    sealer(session)


def _lock_write_head(session: Session) -> None:
    head = session.execute(
        select(AuditHeadRow.id).where(AuditHeadRow.id == SINGLETON_ID).with_for_update()
    ).first()
    if head is None:
        raise StoreConfigError("the store's database is not initialized: run its migrations")


def is_retryable(exc: DBAPIError) -> bool:
    """A deadlock, serialization failure or busy database: the transaction may succeed again."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in ("40001", "40P01", "55P03"):
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in (1205, 1213):  # MySQL lock wait timeout, deadlock
        return True
    return "database is locked" in str(orig)
