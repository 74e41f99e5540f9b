"""Restore plays the attacker's victim: an archive edited, cut, re-hashed or re-signed, a wrong
key, a target that is not empty. Each is refused with a clear message, and the target
database holds no data afterwards (a restore's one transaction rolled back)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from gwctl.store.archive import MANIFEST, ArchiveError
from gwctl.store.backup import backup_store
from gwctl.store.crypto import generate_key
from gwctl.store.db import create_store_engine
from gwctl.store.errors import StoreConfigError
from gwctl.store.restore import RestoreRefused, restore_store
from gwctl.store.signing import SIGNING_KEY_FILE
from tests.support.backups import edited, fill_store, signer_of
from tests.support.databases import dump_database

# What an empty store's migrations leave: the chain's empty head and the unheld lock.
SEEDED = {"audit_head", "apply_lock", "alembic_version"}


@pytest.fixture
def archive(tmp_path: Path, key_file: Path) -> Path:
    source = f"sqlite:///{tmp_path / 'source' / 'store.sqlite3'}"
    fill_store(source, key_file)
    path = tmp_path / "store.gwbackup"
    backup_store(source, path, key_file=key_file)
    return path


def holds_no_data(database_url: str) -> bool:
    engine = create_store_engine(database_url)
    try:
        dump = dump_database(engine)
    finally:
        engine.dispose()
    return all(not rows for name, rows in dump.items() if name not in SEEDED) and dump.get(
        "audit_head", [(1, 0, "0" * 64)]
    ) == [(1, 0, "0" * 64)]


def edit_audit_actor(lines: list[bytes]) -> list[bytes]:
    # the same length: only the hash can tell
    return [lines[0].replace(b'"alice@laptop"', b'"eve01@laptop"'), *lines[1:]]


def test_an_edited_audit_row_is_refused_by_its_hash(
    archive: Path, tmp_path: Path, key_file: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'target' / 'store.sqlite3'}"
    tampered = edited(archive, "audit_log", edit_audit_actor, fix_manifest=False)
    with pytest.raises(ArchiveError, match=r"audit_log.jsonl: its SHA-256 or size differs"):
        restore_store(tampered, target, key_file=key_file)
    assert not (tmp_path / "target").exists()  # refused before the database was touched


def test_an_edited_row_with_the_manifest_rehashed_is_refused_by_the_signature(
    archive: Path, tmp_path: Path, key_file: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'target' / 'store.sqlite3'}"
    promoted = edited(
        archive, "tokens", lambda lines: [b.replace(b'"read"', b'"admin"') for b in lines]
    )
    with pytest.raises(ArchiveError, match="signature does not verify"):
        restore_store(promoted, target, key_file=key_file)
    assert not (tmp_path / "target").exists()


def test_a_changed_manifest_hash_is_refused(archive: Path, tmp_path: Path, key_file: Path) -> None:
    with zipfile.ZipFile(archive) as source:
        members = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(members[MANIFEST])
    manifest["tables"][0]["sha256"] = "0" * 64
    members[MANIFEST] = json.dumps(manifest).encode()
    changed = tmp_path / "changed.gwbackup"
    with zipfile.ZipFile(changed, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    with pytest.raises(ArchiveError, match="signature does not verify"):
        restore_store(changed, f"sqlite:///{tmp_path / 'target' / 'x.db'}", key_file=key_file)


def test_a_truncated_archive_is_refused(archive: Path, tmp_path: Path, key_file: Path) -> None:
    cut = tmp_path / "cut.gwbackup"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ArchiveError, match="not a complete gwctl backup archive"):
        restore_store(cut, f"sqlite:///{tmp_path / 'target' / 'x.db'}", key_file=key_file)


def test_an_edited_audit_row_signed_again_is_refused_by_the_chain(
    archive: Path, database_url: str, key_file: Path
) -> None:
    forged = edited(archive, "audit_log", edit_audit_actor, signer=signer_of(key_file))
    with pytest.raises(RestoreRefused, match=r"audit log does not verify \(entry 1"):
        restore_store(forged, database_url, key_file=key_file)
    assert holds_no_data(database_url)


def test_a_dropped_audit_entry_signed_again_is_refused_by_the_chain(
    archive: Path, database_url: str, key_file: Path
) -> None:
    forged = edited(
        archive, "audit_log", lambda lines: [lines[0], *lines[2:]], signer=signer_of(key_file)
    )
    with pytest.raises(RestoreRefused, match="audit log does not verify"):
        restore_store(forged, database_url, key_file=key_file)
    assert holds_no_data(database_url)


def test_a_swapped_ciphertext_signed_again_is_refused_by_the_key_check(
    archive: Path, database_url: str, key_file: Path
) -> None:
    def swap(lines: list[bytes]) -> list[bytes]:
        rows = [json.loads(line) for line in lines]
        rows[0]["api_key"], rows[1]["api_key"] = rows[1]["api_key"], rows[0]["api_key"]
        return [json.dumps(row).encode() + b"\n" for row in rows]

    forged = edited(archive, "gateways", swap, signer=signer_of(key_file))
    with pytest.raises(RestoreRefused, match="does not decrypt gateway"):
        restore_store(forged, database_url, key_file=key_file)
    assert holds_no_data(database_url)


def test_a_wrong_credential_key_is_refused_naming_its_file(
    archive: Path, database_url: str, key_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other" / "store.key"
    other.parent.mkdir()
    other.write_text(generate_key() + "\n")
    os.link(key_file.parent / SIGNING_KEY_FILE, other.parent / SIGNING_KEY_FILE)  # the right one
    with pytest.raises(RestoreRefused, match=f"the credential key from {other} does not"):
        restore_store(archive, database_url, key_file=other)
    assert holds_no_data(database_url)


def test_a_missing_key_file_is_refused_naming_it(
    archive: Path, tmp_path: Path, key_file: Path
) -> None:
    missing = tmp_path / "nowhere" / "store.key"
    missing.parent.mkdir()  # the signing key is there, the credential key is not
    shutil.copy(key_file.parent / SIGNING_KEY_FILE, missing.parent / SIGNING_KEY_FILE)
    target = tmp_path / "target" / "x.db"
    with pytest.raises(StoreConfigError, match=f"{missing}: no credential key file"):
        restore_store(archive, f"sqlite:///{target}", key_file=missing)
    assert not target.exists()  # refused before the target database was touched


def test_an_archive_signed_by_another_store_is_refused(
    archive: Path, tmp_path: Path, key_file: Path
) -> None:
    other = tmp_path / "other" / "store.key"
    fill_store(f"sqlite:///{tmp_path / 'other' / 'store.sqlite3'}", other)
    os.replace(key_file, other)  # the right credential key, another store's signing key
    with pytest.raises(ArchiveError, match="signed by audit signing key"):
        restore_store(archive, f"sqlite:///{tmp_path / 'target' / 'x.db'}", key_file=other)


def test_a_restore_into_a_store_with_data_is_refused_saying_what_it_holds(
    archive: Path, database_url: str, key_file: Path
) -> None:
    fill_store(database_url, key_file)
    engine = create_store_engine(database_url)
    try:
        before = dump_database(engine)
        with pytest.raises(RestoreRefused, match=r"already holds a store \(audit_checkpoints: 6"):
            restore_store(archive, database_url, key_file=key_file)
        assert dump_database(engine) == before
    finally:
        engine.dispose()


def test_a_restore_into_a_database_of_another_application_is_refused(
    archive: Path, database_url: str, key_file: Path
) -> None:
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE orders (id INTEGER PRIMARY KEY)"))
        with pytest.raises(RestoreRefused, match=r"tables that are not the store's \(orders\)"):
            restore_store(archive, database_url, key_file=key_file)
        assert set(sa.inspect(engine).get_table_names()) == {"orders"}
    finally:
        engine.dispose()


def test_a_failed_restore_leaves_a_database_the_next_restore_accepts(
    archive: Path, database_url: str, key_file: Path
) -> None:
    forged = edited(archive, "audit_log", edit_audit_actor, signer=signer_of(key_file))
    with pytest.raises(RestoreRefused):
        restore_store(forged, database_url, key_file=key_file)
    summary = restore_store(archive, database_url, key_file=key_file)
    assert summary.rows["gateways"] == 3


def test_a_row_that_is_not_its_tables_signed_again_is_refused_naming_the_line(
    archive: Path, tmp_path: Path, key_file: Path
) -> None:
    def retype(lines: list[bytes]) -> list[bytes]:
        row = json.loads(lines[1])
        row["version"] = "1; DROP TABLE gateways"
        return [lines[0], json.dumps(row).encode() + b"\n", *lines[2:]]

    forged = edited(archive, "gateways", retype, signer=signer_of(key_file))
    target = f"sqlite:///{tmp_path / 'target' / 'store.sqlite3'}"
    with pytest.raises(
        ArchiveError, match=r"gateways.jsonl line 2: gateways.version: expected int"
    ):
        restore_store(forged, target, key_file=key_file)
    assert holds_no_data(target)


def test_a_duplicated_row_signed_again_is_refused_and_rolled_back(
    archive: Path, database_url: str, key_file: Path
) -> None:
    forged = edited(archive, "tokens", lambda lines: lines + lines, signer=signer_of(key_file))
    with pytest.raises(RestoreRefused, match="its rows break a rule of the database schema"):
        restore_store(forged, database_url, key_file=key_file)
    assert holds_no_data(database_url)


def test_a_wrong_key_in_the_environment_is_refused_naming_the_variable(
    archive: Path, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWCTL_STORE_KEY", generate_key())
    target = f"sqlite:///{tmp_path / 'target' / 'store.sqlite3'}"
    with pytest.raises(RestoreRefused, match=r"the credential key from \$GWCTL_STORE_KEY does not"):
        restore_store(archive, target, key_file=key_file)
    assert holds_no_data(target)
