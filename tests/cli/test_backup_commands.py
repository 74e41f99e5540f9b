"""`gwctl store backup` and `gwctl store restore` at the command line: what they say, and
that every refusal is a message with exit status 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

from gwctl.remote.embedded import store_paths
from tests.support.backups import fill_store
from tests.support.cli import Outcome, assert_clean, invoke


def embedded_store(root: Path) -> None:
    url, key_file, _token = store_paths(root)
    fill_store(url, key_file)


def gwctl(root: Path, *args: str | Path) -> Outcome:
    return invoke("-C", root, *args)


def test_backup_names_the_two_key_files_it_did_not_include(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    outcome = gwctl(tmp_path, "store", "backup", tmp_path / "store.gwbackup")
    assert outcome.exit_code == 0, outcome.output
    assert "gateways: 3, tokens: 1, audit entries: 6, signed checkpoints: 6" in outcome.stdout
    assert f"credential key:    {tmp_path / '.gwctl' / 'store.key'}" in outcome.stdout
    assert f"audit signing key: {tmp_path / '.gwctl' / 'audit-signing.key'}" in outcome.stdout


def test_restore_says_what_it_proved_before_done(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    gwctl(tmp_path, "store", "backup", tmp_path / "store.gwbackup")
    target = f"sqlite:///{tmp_path / 'new' / 'store.sqlite3'}"
    outcome = gwctl(tmp_path, "store", "restore", tmp_path / "store.gwbackup", "--db", target)
    assert outcome.exit_code == 0, outcome.output
    assert "audit log verified: 6 entries, newest signed checkpoint at entry 6" in outcome.stdout
    assert "decrypts all 7 ciphertexts" in outcome.stdout
    assert outcome.stdout.rstrip().endswith("done")


def test_a_store_that_never_stored_a_credential_restores_without_a_credential_key(
    tmp_path: Path,
) -> None:
    people_only = ("store", "user", "create", "alice", "--role", "admin", "--password-stdin")
    assert invoke("-C", tmp_path, *people_only, stdin="a long password here\n").exit_code == 0
    assert not (tmp_path / ".gwctl" / "store.key").exists()  # no credential, no key yet
    backed_up = gwctl(tmp_path, "store", "backup", tmp_path / "store.gwbackup")
    assert backed_up.exit_code == 0, backed_up.output
    assert "credential key:    none yet (this store has never stored a credential" in (
        backed_up.stdout
    )
    target = f"sqlite:///{tmp_path / 'new' / 'store.sqlite3'}"
    outcome = gwctl(tmp_path, "store", "restore", tmp_path / "store.gwbackup", "--db", target)
    assert outcome.exit_code == 0, outcome.output
    assert "no credential key needed: the archive holds no ciphertext" in outcome.stdout


def test_a_second_backup_to_the_same_file_needs_force(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    assert gwctl(tmp_path, "store", "backup", tmp_path / "b.gwbackup").exit_code == 0
    again = gwctl(tmp_path, "store", "backup", tmp_path / "b.gwbackup")
    assert again.exit_code == 1
    assert_clean(again)
    assert "exists: choose another file, or --force to replace it" in again.stderr
    forced = gwctl(tmp_path, "store", "backup", tmp_path / "b.gwbackup", "--force")
    assert forced.exit_code == 0


def test_restoring_into_the_store_it_came_from_is_refused(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    gwctl(tmp_path, "store", "backup", tmp_path / "b.gwbackup")
    outcome = gwctl(
        tmp_path, "store", "restore", tmp_path / "b.gwbackup", "--db", store_paths(tmp_path)[0]
    )
    assert outcome.exit_code == 1
    assert_clean(outcome)
    assert "the target database already holds a store (audit_checkpoints: 6 rows" in outcome.stderr


def test_a_file_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    (tmp_path / "notes.txt").write_text("not a backup")
    target = f"sqlite:///{tmp_path / 'new' / 'store.sqlite3'}"
    outcome = gwctl(tmp_path, "store", "restore", tmp_path / "notes.txt", "--db", target)
    assert outcome.exit_code == 1
    assert_clean(outcome)
    assert "notes.txt: not a complete gwctl backup archive" in outcome.stderr


def test_backing_up_a_database_file_that_is_gone_is_refused(tmp_path: Path) -> None:
    embedded_store(tmp_path)
    database = tmp_path / ".gwctl" / "store.sqlite3"
    for path in database.parent.glob("store.sqlite3*"):
        path.unlink()
    outcome = gwctl(tmp_path, "store", "backup", tmp_path / "b.gwbackup")
    assert outcome.exit_code == 1
    assert_clean(outcome)
    assert f"{database}: no such database file: nothing to back up" in outcome.stderr
    assert not database.exists()
    assert not (tmp_path / "b.gwbackup").exists()
