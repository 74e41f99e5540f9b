"""`gwctl audit verify`, `audit checkpoint`, `apply --checkpoint-out` and `store signing-key`:
the log checked on the verifier's machine, with witnesses kept outside the store."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.repos import ConfigRepo


def applied_with_checkpoint(repo: ConfigRepo, tmp_path: Path) -> Path:
    checkpoint = tmp_path / "after-apply.json"
    repo.apply("--checkpoint-out", str(checkpoint))
    return checkpoint


def one_more_write(repo: ConfigRepo) -> None:
    assert repo.gwctl("store", "token", "create", "auditor", "--role", "read").exit_code == 0


def truncate(repo: ConfigRepo, keep: int) -> None:
    """Delete the newest entries with their checkpoints and reset the head (database access)."""
    engine = sa.create_engine(repo.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
        connection.execute(sa.text("DELETE FROM audit_checkpoints WHERE seq > :k"), {"k": keep})
        last = connection.execute(sa.text("SELECT hash FROM audit_log WHERE seq = :k"), {"k": keep})
        connection.execute(
            sa.text("UPDATE audit_head SET seq = :k, hash = :h"), {"k": keep, "h": last.scalar()}
        )
    engine.dispose()


def test_apply_saves_the_signed_checkpoint_after_its_change(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    saved = json.loads(applied_with_checkpoint(repo, tmp_path).read_text())
    assert saved["format"] == "gwctl-audit-checkpoint/1"
    history = json.loads(repo.gwctl("history", "--format", "json").stdout)
    changeset = max(entry["seq"] for entry in history if entry["action"] == "create")
    assert saved["seq"] >= changeset


def test_a_checkpoint_still_in_the_log_verifies(repo: ConfigRepo, tmp_path: Path) -> None:
    checkpoint = applied_with_checkpoint(repo, tmp_path)
    one_more_write(repo)
    result = repo.gwctl("audit", "verify", "--checkpoint", str(checkpoint))
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.stdout
    assert "1 outside checkpoint still in the log" in result.stdout


def test_audit_checkpoint_prints_or_writes_the_newest_checkpoint(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    applied_with_checkpoint(repo, tmp_path)
    printed = json.loads(repo.gwctl("audit", "checkpoint").stdout)
    written = repo.gwctl("audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert written.exit_code == 0
    assert json.loads((tmp_path / "cp.json").read_text()) == printed


def test_deleting_the_newest_entries_is_only_seen_with_a_checkpoint_from_before(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    checkpoint = applied_with_checkpoint(repo, tmp_path)
    one_more_write(repo)
    truncate(repo, keep=2)  # the end of a write: the token and the lock, before the changeset
    unaided = repo.gwctl("audit", "verify")
    assert unaided.exit_code == 0
    assert "without a checkpoint kept outside the store" in unaided.stdout
    witnessed = repo.gwctl("audit", "verify", "--checkpoint", str(checkpoint))
    assert witnessed.exit_code == 1
    assert "entries were deleted from the end" in witnessed.stderr
    assert "audit log BROKEN at entry #3" in witnessed.stderr


def test_the_verdict_as_json_counts_the_witnesses(repo: ConfigRepo, tmp_path: Path) -> None:
    checkpoint = applied_with_checkpoint(repo, tmp_path)
    result = repo.gwctl("audit", "verify", "--checkpoint", str(checkpoint), "--format", "json")
    verdict = json.loads(result.stdout)
    assert (verdict["ok"], verdict["witnesses"], verdict["problems"]) == (True, 1, [])
    assert verdict["checkpoint_seq"] == verdict["entries"]


def test_the_pinned_signing_key_from_the_server_verifies(repo: ConfigRepo, tmp_path: Path) -> None:
    applied_with_checkpoint(repo, tmp_path)
    pem = repo.gwctl("store", "signing-key").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "store.pem").write_text(pem)
    result = repo.gwctl("audit", "verify", "--public-key", str(tmp_path / "store.pem"))
    assert result.exit_code == 0, result.output


def test_a_store_signing_with_another_key_than_the_pinned_one_fails(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    applied_with_checkpoint(repo, tmp_path)
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "other.pem").write_bytes(pem)
    result = repo.gwctl("audit", "verify", "--public-key", str(tmp_path / "other.pem"))
    assert result.exit_code == 1
    assert "not this store's key" in result.stderr


def test_a_file_that_is_no_checkpoint_is_a_clear_error(repo: ConfigRepo, tmp_path: Path) -> None:
    applied_with_checkpoint(repo, tmp_path)
    (tmp_path / "notes.json").write_text('{"seq": "three"}')
    result = repo.gwctl("audit", "verify", "--checkpoint", str(tmp_path / "notes.json"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'notes.json'}: the checkpoint lacks hash, at, key_id, signature" in (
        result.output
    )
    assert "Traceback" not in result.output
