"""The store's backup archive: a ZIP of one JSON Lines file per table and a signed manifest.

An archive holds `manifest.json` (format, schema revision, creation time, source database
kind, and per table its file, row count, byte count and SHA-256), `manifest.sig` (an
Ed25519 signature of the manifest's exact bytes by the store's audit signing key) and
`tables/<name>.jsonl`, one JSON object per row: columns by name, bytes in base64, times in
ISO 8601. Nothing is decrypted on the way: credential columns stay the AES-GCM ciphertexts
of the database, tokens and passwords stay hashes, and no key is inside.

Reading trusts nothing it did not check: the signature must verify with the signing key the
reader holds, every member must be listed with its size and SHA-256 (checked again while its
rows are read), and every line must decode as a row of its table. A truncated, edited or
re-signed-by-someone-else archive is refused with the member and the reason.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table
from sqlalchemy.types import TypeDecorator

from gwctl.errors import GwctlError
from gwctl.store.signing import AuditSigner

FORMAT = "gwctl-store-backup"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNED_PURPOSE = b"gwctl-store-backup-manifest/1\n"  # never a JSON object: not a checkpoint
_MANIFEST_MAX = 1 << 20
_LINE_MAX = 8 << 20  # a row: a 256 KiB logo in base64 and the rest, with room to spare
_CHUNK = 1 << 20


class ArchiveError(GwctlError):
    """A backup archive that cannot be written, or that is not exactly what a backup wrote."""


@dataclass(frozen=True)
class TableEntry:
    """One table's member of an archive, as the manifest lists it."""

    name: str
    file: str
    rows: int
    bytes: int
    sha256: str


def member_name(table: str) -> str:
    return f"tables/{table}.jsonl"


def encode_row(table: Table, row: Mapping[str, Any]) -> bytes:
    """One line of the archive: the row's columns by name, bytes base64, times ISO 8601."""
    data: dict[str, Any] = {}
    for name, _kind in _columns(table):
        value = row[name]
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[name] = value
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def decode_row(table: Table, line: bytes) -> dict[str, Any]:
    """The row a line of `encode_row` holds, typed as the table's columns want it."""
    data = json.loads(line)
    columns = _columns(table)
    if not isinstance(data, dict) or data.keys() != _names(table):
        raise ValueError(f"not a row of {table.name}: its columns differ")
    row: dict[str, Any] = {}
    for name, kind in columns:
        value = data[name]
        if value is not None:
            if kind is bytes:
                value = base64.b64decode(value, validate=True)
            elif kind is datetime:
                value = datetime.fromisoformat(value)
            elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                # the value itself is never quoted: it could be any column's
                raise ValueError(f"{table.name}.{name}: expected {kind.__name__}")
        row[name] = value
    return row


@functools.cache
def _names(table: Table) -> frozenset[str]:
    return frozenset(name for name, _kind in _columns(table))


@functools.cache
def _columns(table: Table) -> tuple[tuple[str, type], ...]:
    """Each column's name and what it holds in Python (a TypeDecorator: its implementation's)."""
    columns = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        columns.append((column.name, kind.python_type))
    return tuple(columns)


class ArchiveWriter:
    """Writes an archive to a private temporary file beside `path`, then puts it in place."""

    def __init__(self, path: Path, *, force: bool) -> None:
        if path.is_dir():
            raise ArchiveError(f"{path} is a directory: name the archive file to write")
        if path.exists() and not force:
            raise ArchiveError(f"{path} exists: choose another file, or --force to replace it")
        self.path = path
        self._temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:
            descriptor = os.open(self._temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot write the backup here: {exc.strerror}") from None
        self._file = os.fdopen(descriptor, "wb")
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED)
        self.tables: list[TableEntry] = []
        self._force = force

    def add_table(self, table: Table, rows: Iterable[Mapping[str, Any]]) -> TableEntry:
        """Write the table's rows as its member; returns its manifest entry."""
        digest, size, count = hashlib.sha256(), 0, 0
        name = member_name(table.name)
        with self._zip.open(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), "w") as out:
            for row in rows:
                line = encode_row(table, row)
                out.write(line)
                digest.update(line)
                size += len(line)
                count += 1
        entry = TableEntry(table.name, name, count, size, digest.hexdigest())
        self.tables.append(entry)
        return entry

    def finish(self, manifest: Mapping[str, Any], signer: AuditSigner) -> bytes:
        """Write the manifest (with the tables' entries) and its signature, then move the
        archive into place atomically; returns the manifest's bytes."""
        document = {
            **manifest,
            "format": FORMAT,
            "version": VERSION,
            "signing_key_id": signer.public_key.key_id,
            "tables": [entry.__dict__ for entry in self.tables],
        }
        data = json.dumps(document, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        self._zip.writestr(zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0)), data)
        signature = signer.sign_document(SIGNED_PURPOSE + data)
        self._zip.writestr(zipfile.ZipInfo(SIGNATURE, date_time=(1980, 1, 1, 0, 0, 0)), signature)
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._place()
        return data

    def _place(self) -> None:
        try:
            if self._force:
                os.replace(self._temporary, self.path)
            else:  # a link never replaces a file that appeared meanwhile
                os.link(self._temporary, self.path)
                os.unlink(self._temporary)
        except FileExistsError:
            raise ArchiveError(
                f"{self.path} exists: choose another file, or --force to replace it"
            ) from None
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot put the backup here: {exc.strerror}") from None
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def discard(self) -> None:
        """Remove the temporary file of an archive that was not finished."""
        with contextlib.suppress(Exception):
            self._zip.close()
        with contextlib.suppress(Exception):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._temporary.unlink()


class ArchiveReader:
    """An archive whose manifest is signed by `signer`'s key and whose members match it."""

    def __init__(self, path: Path, signer: AuditSigner, signing_key_source: str) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveError(f"{path}: no such file") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"{path}: not a complete gwctl backup archive ({exc})") from None
        try:
            self.manifest_bytes = self._small(MANIFEST)
            self.manifest = self._manifest(self._small(SIGNATURE), signer, signing_key_source)
            self.tables = {entry.name: entry for entry in self._entries()}
            self._check_members()
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def verify_members(self) -> None:
        """Read every member once: each must have the manifest's size, rows and SHA-256."""
        for entry in self.tables.values():
            with self._zip.open(entry.file) as raw:
                for _chunk in self._checked_chunks(entry, raw):
                    pass

    def rows(self, table: Table) -> Iterator[dict[str, Any]]:
        """The rows of `table`'s member, checked against the manifest as they are read."""
        entry = self.tables[table.name]
        with self._zip.open(entry.file) as raw:
            for number, line in enumerate(self._checked_lines(entry, raw), start=1):
                try:
                    yield decode_row(table, line)
                except (ValueError, TypeError, binascii.Error) as exc:
                    raise ArchiveError(f"{self.path}: {entry.file} line {number}: {exc}") from None

    def _checked_lines(self, entry: TableEntry, raw: IO[bytes]) -> Iterator[bytes]:
        pending = b""
        for chunk in self._checked_chunks(entry, raw):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            if len(pending) > _LINE_MAX:
                raise self._damaged(entry, "a line is longer than any row")
            yield from lines
        if pending:
            raise self._damaged(entry, "its last line is cut")

    def _checked_chunks(self, entry: TableEntry, raw: IO[bytes]) -> Iterator[bytes]:
        """The member's bytes; at their end, the size, line count and SHA-256 are checked."""
        digest, size, lines = hashlib.sha256(), 0, 0
        while chunk := self._read(entry, raw):
            size += len(chunk)
            if size > entry.bytes:
                raise self._damaged(entry, "it is longer than the manifest says")
            digest.update(chunk)
            lines += chunk.count(b"\n")
            yield chunk
        if size != entry.bytes or digest.hexdigest() != entry.sha256 or lines != entry.rows:
            raise self._damaged(entry, "its SHA-256 or size differs from the manifest's")

    def _read(self, entry: TableEntry, raw: IO[bytes]) -> bytes:
        try:
            return raw.read(_CHUNK)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise self._damaged(entry, f"it does not decompress ({exc})") from None

    def _damaged(self, entry: TableEntry, why: str) -> ArchiveError:
        return ArchiveError(
            f"{self.path}: {entry.file}: {why}: the archive was changed or damaged; "
            "nothing was restored"
        )

    def _small(self, name: str) -> bytes:
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise ArchiveError(f"{self.path}: no {name}: not a gwctl backup archive") from None
        if info.file_size > _MANIFEST_MAX:
            raise ArchiveError(f"{self.path}: {name} is too large for a gwctl backup")
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{self.path}: {name} is damaged ({exc})") from None

    def _manifest(self, signature: bytes, signer: AuditSigner, source: str) -> dict[str, Any]:
        try:
            manifest = json.loads(self.manifest_bytes)
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveError(f"{self.path}: {MANIFEST} is not a gwctl backup manifest")
        if manifest.get("version") != VERSION:
            raise ArchiveError(
                f"{self.path}: backup format version {manifest.get('version')!r}; this gwctl "
                f"reads version {VERSION}"
            )
        if manifest.get("signing_key_id") != signer.public_key.key_id:
            raise ArchiveError(
                f"{self.path}: the archive was signed by audit signing key "
                f"{manifest.get('signing_key_id')!r}, but the key in {source} is "
                f"{signer.public_key.key_id!r}: give the signing key of the store it was "
                "taken from"
            )
        text = signature.decode("ascii", errors="replace").strip()
        if not signer.verifies_document(SIGNED_PURPOSE + self.manifest_bytes, text):
            raise ArchiveError(
                f"{self.path}: the manifest's signature does not verify with the key in "
                f"{source}: the archive was changed after it was written; nothing was restored"
            )
        return manifest

    def _entries(self) -> list[TableEntry]:
        listed = self.manifest.get("tables")
        try:
            entries = [TableEntry(**item) for item in listed] if isinstance(listed, list) else []
        except TypeError:
            entries = []
        names = {entry.name for entry in entries}
        if (
            not entries
            or len(names) != len(entries)
            or any(entry.file != member_name(entry.name) for entry in entries)
        ):
            raise ArchiveError(f"{self.path}: the manifest's table list is malformed")
        return entries

    def _check_members(self) -> None:
        expected = {MANIFEST, SIGNATURE, *(entry.file for entry in self.tables.values())}
        names = self._zip.namelist()
        found = set(names)
        if found != expected or len(names) != len(found):
            unlisted = ", ".join(sorted(found - expected)) or "-"
            missing = ", ".join(sorted(expected - found)) or "-"
            raise ArchiveError(
                f"{self.path}: its files differ from its manifest (missing: {missing}; "
                f"not listed: {unlisted}): the archive was changed or damaged"
            )
