"""`gwctl store restore`: a backup archive loaded into an empty database of any kind, proven
before it is committed.

The archive must verify first (its manifest's signature with the store's audit signing key,
every member's size and SHA-256; gwctl.store.archive). The target must be new: no table but
the store's own, and none of those holding a row beyond what the migrations put there (so a
database left by a failed restore qualifies again). It is migrated, then ONE write
transaction deletes those seed rows, loads every table, moves PostgreSQL's id sequences past
the loaded ids, and before it commits checks what it loaded: the audit chain, every signed
checkpoint and the head (gwctl.store.audit_verify), and that the credential key decrypts
every ciphertext. Any failure rolls the transaction back and the database holds no data.
The credential key is needed only when the archive holds a ciphertext: a store that never
stored a credential (or made its key check) never made a key file either.

The restore appends a signed `store_restore` entry to the restored log: the chain goes on
from the archive's head, so every checkpoint a verifier held of the old store still
verifies, and the log itself says when its state came from an archive (writes made to the
old store after the backup are not in it) and which one.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, inspect, literal, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from gwctl.core.providers import STORE_COLUMNS
from gwctl.store import audit, audit_verify, checkpoints
from gwctl.store.archive import ArchiveError, ArchiveReader
from gwctl.store.backup import VERSION_TABLE, backed_up_tables
from gwctl.store.context import WriteContext
from gwctl.store.crypto import CredentialCipher, DecryptionError
from gwctl.store.db import (
    ApplyLockRow,
    AuditHeadRow,
    GatewayRow,
    MetaRow,
    create_store_engine,
    seal_audit_with,
    write_transaction,
)
from gwctl.store.errors import StoreConfigError
from gwctl.store.key_check import KEY_CHECK
from gwctl.store.key_files import ENV_SOURCE, from_environment, key_file_place, load_keyring
from gwctl.store.migrate import HEAD_REVISION, upgrade_engine
from gwctl.store.signing import SIGNING_KEY_ENV, AuditSigner, signing_key_path
from gwctl.store.tables import store_metadata
from gwctl.store.tokens import CLI_ACTOR

_BATCH = 500
# Rows the migrations themselves write into a new store: the chain's empty head, no lock.
_SEED_ROWS = {
    AuditHeadRow.__tablename__: AuditHeadRow.seq == 0,
    ApplyLockRow.__tablename__: ApplyLockRow.lock_id.is_(None),
}


class RestoreRefused(ArchiveError):
    """The target database, the keys or the archive's content rule the restore out."""


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore loaded and proved."""

    rows: dict[str, int]
    audit_entries: int
    checkpoint_seq: int | None
    ciphertexts: int
    key_source: str
    key_found: bool  # False: no key file, and the archive needed none (no ciphertext)
    created_at: str
    source_dialect: str


def restore_store(
    archive_path: Path, database_url: str, *, key_file: Path | None = None
) -> RestoreSummary:
    """Restore the archive into the empty database at `database_url`, with the credential
    key from $GWCTL_STORE_KEY or `key_file` and the audit signing key beside it."""
    key_path = key_file_place(database_url, key_file)
    cipher, key_source = _cipher(key_path)
    signing_path = signing_key_path(key_path)
    signer = AuditSigner.load(signing_path, may_create=False)
    signing_source = f"${SIGNING_KEY_ENV}" if os.environ.get(SIGNING_KEY_ENV) else str(signing_path)
    with ArchiveReader(archive_path, signer, signing_source) as archive:
        _check_compatible(archive)
        archive.verify_members()
        if cipher is None and _holds_ciphertexts(archive):
            raise _no_key(key_source)  # before the target database is touched
        engine = create_store_engine(database_url)
        try:
            _refuse_foreign_tables(engine)
            upgrade_engine(engine)
            seal_audit_with(engine, lambda session: checkpoints.seal(session, signer))
            return write_transaction(
                engine, lambda session: _load(session, archive, cipher, signer, key_source)
            )
        except (IntegrityError, DataError) as exc:  # only a signed archive gets this far
            raise RestoreRefused(
                f"{archive_path}: its rows break a rule of the database schema "
                f"({type(exc.orig).__name__}); nothing was restored"
            ) from None
        finally:
            engine.dispose()


def _cipher(key_path: Path | None) -> tuple[CredentialCipher | None, str]:
    """The keyring restore decrypts with: $GWCTL_STORE_KEY, else the existing key file (a
    restore never makes a new key: no new key decrypts the archive's values); None when
    there is no key file, refused later only if the archive holds a ciphertext."""
    if from_environment():
        return CredentialCipher(load_keyring(None)), ENV_SOURCE
    if key_path is None or not key_path.is_file():
        return None, str(key_path or "no key file named")
    return CredentialCipher(load_keyring(key_path, may_create=False)), str(key_path)


def _no_key(key_source: str) -> StoreConfigError:
    return StoreConfigError(
        f"{key_source}: no credential key file: restore needs the key of the store the "
        "archive was taken from (--key-file FILE, $GWCTL_STORE_KEY_FILE, or $GWCTL_STORE_KEY)"
    )


def _check_compatible(archive: ArchiveReader) -> None:
    revision = archive.manifest.get("schema_revision")
    if revision != HEAD_REVISION:
        raise RestoreRefused(
            f"{archive.path}: the archive is of schema revision {revision!r}, this gwctl "
            f"restores {HEAD_REVISION}: restore it with the gwctl version that wrote it, "
            "then upgrade (the server migrates at start)"
        )
    wanted = {table.name for table in backed_up_tables()}
    if set(archive.tables) != wanted:
        missing = ", ".join(sorted(wanted - set(archive.tables))) or "-"
        extra = ", ".join(sorted(set(archive.tables) - wanted)) or "-"
        raise RestoreRefused(
            f"{archive.path}: its tables differ from this gwctl's (missing: {missing}; "
            f"unknown: {extra})"
        )


def _refuse_foreign_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        found = set(inspect(connection).get_table_names())
        connection.rollback()
    foreign = sorted(found - set(store_metadata().tables) - {VERSION_TABLE})
    if foreign:
        raise RestoreRefused(
            f"the target database is not empty: it holds tables that are not the store's "
            f"({', '.join(foreign)}): restore into a new, empty database"
        )


def _load(
    session: Session,
    archive: ArchiveReader,
    cipher: CredentialCipher | None,
    signer: AuditSigner,
    key_source: str,
) -> RestoreSummary:
    _refuse_data(session)
    tables = backed_up_tables()
    for table in reversed(tables):
        session.execute(delete(table))  # the seed rows, replaced by the archive's
    for table in tables:
        rows = archive.rows(table)
        while batch := list(islice(rows, _BATCH)):
            session.execute(insert(table), batch)
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session, tables)
    verdict = audit_verify.verify(session, signer.public_key)
    if not verdict.ok:
        first = verdict.first_broken
        where = f"entry {first.seq}: {first.reason}" if first else "it does not verify"
        raise RestoreRefused(
            f"{archive.path}: the archive's audit log does not verify ({where}); nothing "
            "was restored"
        )
    ciphertexts = 0 if cipher is None else _decrypt_all(session, cipher, key_source)
    _append_entry(session, archive)
    return RestoreSummary(
        rows={entry.name: entry.rows for entry in archive.tables.values()},
        audit_entries=verdict.entries,
        checkpoint_seq=verdict.checkpoint_seq,
        ciphertexts=ciphertexts,
        key_source=key_source,
        key_found=cipher is not None,
        created_at=str(archive.manifest.get("created_at")),
        source_dialect=str(archive.manifest.get("source_dialect")),
    )


def _refuse_data(session: Session) -> None:
    """The database must hold nothing but the migrations' own rows (checked under the
    write lock, so two restores into one database cannot both pass)."""
    found = {}
    for table in store_metadata().sorted_tables:
        query = select(func.count()).select_from(table)
        if table.name in _SEED_ROWS:
            query = query.where(~_SEED_ROWS[table.name])
        count = session.scalar(query)
        if count:
            found[table.name] = count
    if found:
        held = ", ".join(f"{name}: {count} rows" for name, count in sorted(found.items()))
        raise RestoreRefused(
            f"the target database already holds a store ({held}): restore into a new, "
            "empty database; nothing was changed"
        )


def _advance_sequences(session: Session, tables: list[Table]) -> None:
    """PostgreSQL's sequences do not see ids inserted explicitly: the next id must follow
    the largest one loaded (MariaDB and SQLite do this by themselves)."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        largest = select(func.coalesce(func.max(column), 0)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(literal(table.name), literal(column.name))
        session.execute(select(func.setval(sequence, largest + 1, literal(False))))


def _holds_ciphertexts(archive: ArchiveReader) -> bool:
    """Whether the (verified) archive holds a credential or the key check: read only when
    there is no key, to refuse before anything is written."""
    tables = store_metadata().tables
    gateways = archive.rows(tables[GatewayRow.__tablename__])
    if any(row[column] is not None for row in gateways for column in STORE_COLUMNS):
        return True
    return any(row["name"] == KEY_CHECK for row in archive.rows(tables[MetaRow.__tablename__]))


def _decrypt_all(session: Session, cipher: CredentialCipher, key_source: str) -> int:
    """Every ciphertext decrypts with the key, bound to its gateway and column; the count."""
    count = 0
    for gateway_key, column, blob in _ciphertexts(session):
        try:
            cipher.decrypt(blob, gateway_key=gateway_key, column=column)
        except DecryptionError:
            where = f"gateway {gateway_key}, {column}" if gateway_key else "the key check"
            raise RestoreRefused(
                f"the credential key from {key_source} does not decrypt {where}: it is not the "
                "key of the store this archive was taken from, or the value was moved; "
                "nothing was restored"
            ) from None
        count += 1
    return count


def _ciphertexts(session: Session) -> Iterator[tuple[str, str, bytes]]:
    columns = [getattr(GatewayRow, column) for column in STORE_COLUMNS]
    for row in session.execute(select(GatewayRow.key, *columns).order_by(GatewayRow.key)):
        for column, blob in zip(STORE_COLUMNS, row[1:], strict=True):
            if blob is not None:
                yield row.key, column, blob
    check = session.get(MetaRow, KEY_CHECK)
    if check is not None:
        yield "", KEY_CHECK, base64.b64decode(check.value)


def _append_entry(session: Session, archive: ArchiveReader) -> None:
    details: dict[str, Any] = {
        "archive_created_at": archive.manifest.get("created_at"),
        "source_dialect": archive.manifest.get("source_dialect"),
        "manifest_sha256": hashlib.sha256(archive.manifest_bytes).hexdigest(),
    }
    context = WriteContext(token_name=None, actor=CLI_ACTOR)
    audit.append(session, context, "store_restore", None, details=details)
