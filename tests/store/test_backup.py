"""Backup and restore: a SQLite store's archive restored into SQLite, PostgreSQL and MariaDB
holds the same store; the archive is one snapshot, private, and leaves no table out."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gwctl.store import backup
from gwctl.store.archive import ArchiveError
from gwctl.store.backup import EXCLUDED, backed_up_tables, backup_store, snapshot, table_rows
from gwctl.store.db import AuditRow, create_store_engine
from gwctl.store.migrate import upgrade_database
from gwctl.store.restore import restore_store
from gwctl.store.service import GatewayStore
from tests.support.backups import ADMIN, fill_store
from tests.support.canaries import CANARY, assert_no_secret
from tests.support.samples import infobip


@pytest.fixture
def source(tmp_path: Path, key_file: Path) -> str:
    """A filled SQLite store (the embedded kind)."""
    url = f"sqlite:///{tmp_path / 'source' / 'store.sqlite3'}"
    fill_store(url, key_file)
    return url


def table_dump(database_url: str) -> dict[str, list[Mapping[str, Any]]]:
    engine = create_store_engine(database_url)
    try:
        with engine.connect() as connection:
            return {t.name: list(table_rows(connection, t)) for t in backed_up_tables()}
    finally:
        engine.dispose()


def test_a_sqlite_store_restored_into_each_database_holds_the_same_rows(
    source: str, database_url: str, key_file: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "store.gwbackup"
    backup_store(source, archive, key_file=key_file)
    restore_store(archive, database_url, key_file=key_file)
    before, after = table_dump(source), table_dump(database_url)
    restored_entry = after["audit_log"].pop()
    assert restored_entry["action"] == "store_restore"
    assert after["audit_checkpoints"].pop()["seq"] == restored_entry["seq"]
    after["audit_head"] = before["audit_head"]  # it moved to the restore's entry
    assert after == before


def test_a_store_on_each_database_backs_up_and_restores_into_sqlite(
    database_url: str, key_file: Path, tmp_path: Path
) -> None:
    fill_store(database_url, key_file)
    archive = tmp_path / "store.gwbackup"
    backup_store(database_url, archive, key_file=key_file)
    target = f"sqlite:///{tmp_path / 'target' / 'store.sqlite3'}"
    summary = restore_store(archive, target, key_file=key_file)
    assert summary.source_dialect == sa.make_url(database_url).get_backend_name()
    before, after = table_dump(database_url), table_dump(target)
    assert after["gateways"] == before["gateways"]
    assert after["tokens"] == before["tokens"]
    assert after["audit_log"][:-1] == before["audit_log"]


def test_the_restored_store_verifies_decrypts_and_keeps_its_tokens(
    source: str, database_url: str, key_file: Path, tmp_path: Path
) -> None:
    token = GatewayStore.open(source, key_file=key_file).create_token("ci", "admin")
    backup_store(source, tmp_path / "store.gwbackup", key_file=key_file)
    restore_store(tmp_path / "store.gwbackup", database_url, key_file=key_file)
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        verdict = store.verify_audit()
        assert verdict.ok, verdict.problems
        assert verdict.checkpoint_seq == verdict.entries
        assert store.read_credentials("infobip-primary", ADMIN)["secret_key"] == CANARY
        assert store.get_logo("infobip-primary") is not None
        principal = store.authenticate(token)
        assert principal is not None
        assert principal.role == "admin"
    finally:
        store.close()


def test_the_restored_store_takes_new_rows_after_the_loaded_ids(
    source: str, database_url: str, key_file: Path, tmp_path: Path
) -> None:
    backup_store(source, tmp_path / "store.gwbackup", key_file=key_file)
    restore_store(tmp_path / "store.gwbackup", database_url, key_file=key_file)
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        store.create_token("after-restore", "read")
        store.create_gateway(infobip("infobip-new", "Infobip New"), ADMIN)
        assert store.verify_audit().ok
    finally:
        store.close()


def test_every_table_of_a_migrated_store_is_backed_up_or_excluded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    upgrade_database(url)
    engine = create_store_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names()) - {backup.VERSION_TABLE}
    finally:
        engine.dispose()
    covered = {table.name for table in backed_up_tables()}
    assert tables - covered - set(EXCLUDED) == set(), (
        "a table is neither backed up nor excluded: import the module defining it in "
        "gwctl/store/backup.py, or add it to backup.EXCLUDED with the reason"
    )
    assert covered.isdisjoint(EXCLUDED)


def test_a_write_committed_while_the_backup_reads_is_not_in_its_snapshot(
    database_url: str, key_file: Path
) -> None:
    fill_store(database_url, key_file)
    store = GatewayStore.open(database_url, key_file=key_file)
    tables = {table.name: table for table in backed_up_tables()}
    try:
        with snapshot(store.engine) as connection:
            gateways = list(table_rows(connection, tables["gateways"]))
            store.create_gateway(infobip("infobip-late", "Infobip Late"), ADMIN)
            entries = list(table_rows(connection, tables["audit_log"]))
            head = list(table_rows(connection, tables["audit_head"]))
        with store.engine.connect() as other:
            committed = other.scalar(sa.select(sa.func.count()).select_from(AuditRow)) or 0
    finally:
        store.close()
    assert "infobip-late" not in {row["key"] for row in gateways}
    assert len(entries) == head[0]["seq"] == committed - 1


def test_the_archive_is_private_and_holds_no_credential_in_clear(
    source: str, key_file: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "store.gwbackup"
    backup_store(source, archive, key_file=key_file)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with zipfile.ZipFile(archive) as opened:
        inflated = b"".join(opened.read(name) for name in opened.namelist())
    assert_no_secret(archive.read_bytes().decode("latin-1"), inflated.decode("utf-8"))
    assert key_file.read_bytes().strip() not in inflated
    assert b"auditor" in inflated  # the tokens are in it: hashed


def test_an_existing_file_is_replaced_only_with_force(
    source: str, key_file: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "store.gwbackup"
    archive.write_text("keep me")
    with pytest.raises(ArchiveError, match="exists: choose another file, or --force"):
        backup_store(source, archive, key_file=key_file)
    assert archive.read_text() == "keep me"
    assert list(tmp_path.glob(".*partial")) == []
    backup_store(source, archive, key_file=key_file, force=True)
    assert zipfile.is_zipfile(archive)
