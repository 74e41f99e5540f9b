"""`gwctl store rotate-key` on every database: afterwards every credential decrypts under
the new key only, the API shows the same masks, fingerprints and versions, and one signed
audit entry names the key ids; an interrupted rotation is finished by a re-run or the next
start; GWCTL_STORE_KEY rotates by hand."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gwctl.store import rotation
from gwctl.store.crypto import (
    FORMAT_V1,
    CredentialCipher,
    DecryptionError,
    KeyRing,
    ciphertext_key_id,
    generate_key,
    key_id,
)
from gwctl.store.db import GatewayRow
from gwctl.store.errors import IdempotencyKeyReused, StoreConfigError
from gwctl.store.key_files import KEY_ENV, load_keyring, write_keyring
from gwctl.store.server import rotate_store_key
from gwctl.store.service import GatewayStore
from tests.support.samples import infobip
from tests.support.store_keys import CONTEXT, decrypt_all, seed, stored

PLAIN_WHERE = ("infobip-primary", "secret_key")
PLAIN = {
    ("infobip-primary", "api_key"): "ib-api-key-0001",
    ("infobip-primary", "secret_key"): "ib-secret-key-0001",
}


def views(database_url: str, key_file: Path) -> list[dict[str, Any]]:
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        return [gateway.model_dump() for gateway in store.list_gateways().items]
    finally:
        store.close()


def test_afterwards_every_credential_decrypts_under_the_new_key_only(
    database_url: str, key_file: Path
) -> None:
    plain = seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    rotation = rotate_store_key(database_url, key_file=key_file)
    (new,) = load_keyring(key_file).keys
    assert new != old
    assert (rotation.old_key_id, rotation.new_key_id) == (key_id(old), key_id(new))
    assert (rotation.values, rotation.gateways) == (len(plain), 3)
    blobs = stored(database_url)
    assert {ciphertext_key_id(blob) for blob in blobs.values()} == {key_id(new)}
    assert decrypt_all(new, blobs) == plain
    for (gateway, column), blob in blobs.items():
        with pytest.raises(DecryptionError):
            CredentialCipher(old).decrypt(blob, gateway_key=gateway, column=column)


def test_masks_fingerprints_and_versions_stay_so_plan_sees_no_change(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    before = views(database_url, key_file)
    rotate_store_key(database_url, key_file=key_file)
    assert views(database_url, key_file) == before


def test_a_rotation_is_one_signed_audit_entry_naming_key_ids_never_keys(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    rotation = rotate_store_key(database_url, key_file=key_file)
    (new,) = load_keyring(key_file).keys
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        (entry,) = store.list_audit(action="key_rotate").items
        assert store.verify_audit().ok
        checkpoint = store.latest_checkpoint()
    finally:
        store.close()
    assert entry.actor == "gwctl-cli"
    assert entry.details == {
        "old_key_id": rotation.old_key_id,
        "new_key_id": rotation.new_key_id,
        "values": 6,
        "gateways": 3,
    }
    assert checkpoint is not None
    assert checkpoint.seq == entry.seq  # its transaction signed the head it left
    for key in (old, new):
        for text in (base64.b64encode(key).decode(), key.hex()):
            assert text not in entry.model_dump_json()


def test_values_written_before_key_ids_existed_decrypt_and_are_rewritten(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    (key,) = load_keyring(key_file).keys
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # format 1, as gwctl wrote it before rotation existed
        for (gateway, column), value in PLAIN.items():
            nonce = secrets.token_bytes(12)
            context = f"gwctl-store:v1:{gateway}:{column}".encode()
            sealed = AESGCM(key).encrypt(nonce, value.encode(), context)
            connection.execute(
                sa.update(GatewayRow)
                .where(GatewayRow.key == gateway)
                .values({column: FORMAT_V1 + nonce + sealed})
            )
    engine.dispose()
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        assert (
            store.read_credentials("infobip-primary", CONTEXT)["secret_key"]
            == PLAIN[("infobip-primary", "secret_key")]
        )
    finally:
        store.close()
    rotation = rotate_store_key(database_url, key_file=key_file)
    blobs = stored(database_url)
    assert all(ciphertext_key_id(blobs[where]) == rotation.new_key_id for where in PLAIN)


def test_a_rotation_stopped_before_its_commit_is_finished_by_running_it_again(
    database_url: str, key_file: Path
) -> None:
    plain = seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    pending = base64.b64decode(generate_key())
    write_keyring(key_file, [pending, old])  # what step 1 leaves: the database still all old
    assert {ciphertext_key_id(b) for b in stored(database_url).values()} == {key_id(old)}
    assert views(database_url, key_file)  # the store starts and reads as before
    assert load_keyring(key_file).keys == (pending, old)  # the pending key is kept
    rotation = rotate_store_key(database_url, key_file=key_file)
    assert rotation.new_key_id == key_id(pending)  # the pending key, not yet another one
    assert load_keyring(key_file).keys == (pending,)
    assert decrypt_all(pending, stored(database_url)) == plain


def test_a_rotation_stopped_after_its_commit_is_finished_by_the_next_start(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    rotate_store_key(database_url, key_file=key_file)
    (new,) = load_keyring(key_file).keys
    write_keyring(key_file, [new, old])  # the database all new, the file not yet rewritten
    GatewayStore.open(database_url, key_file=key_file).close()
    assert load_keyring(key_file).keys == (new,)


def test_a_value_that_does_not_decrypt_stops_the_rotation_before_it_changes_anything(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # someone with the database moved a value
        moved = stored(database_url)[("twilio-us", "secret_key")]
        connection.execute(
            sa.update(GatewayRow)
            .where(GatewayRow.key == "infobip-primary")
            .values(secret_key=moved)
        )
    engine.dispose()
    before = stored(database_url)
    with pytest.raises(StoreConfigError, match=r"^infobip-primary/secret_key: .*nothing was re-"):
        rotate_store_key(database_url, key_file=key_file)
    assert stored(database_url) == before


def test_a_database_value_swapped_between_rows_columns_or_key_ids_does_not_decrypt(
    database_url: str, key_file: Path
) -> None:
    seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    rotate_store_key(database_url, key_file=key_file)
    (new,) = load_keyring(key_file).keys
    both = CredentialCipher(KeyRing((new, old), "both keys"))  # the strongest reader there is
    blobs = stored(database_url)
    blob = blobs[("infobip-primary", "secret_key")]
    tampered = {
        "another row": (blob, "twilio-us", "secret_key"),
        "another column": (blob, "infobip-primary", "api_key"),
        "another key id": (blob[:1] + bytes.fromhex(key_id(old)) + blob[9:], *PLAIN_WHERE),
        "format 1 again": (FORMAT_V1 + blob[9:], *PLAIN_WHERE),
        "cut short": (blob[:20], *PLAIN_WHERE),
    }
    assert [name for name, attempt in tampered.items() if _decrypt_all(both, *attempt)] == []


def _decrypt_all(cipher: CredentialCipher, blob: bytes, gateway: str, column: str) -> bool:
    try:
        cipher.decrypt(blob, gateway_key=gateway, column=column)
    except DecryptionError:
        return False
    return True


def test_with_gwctl_store_key_alone_rotation_says_how_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    old = generate_key()
    monkeypatch.setenv(KEY_ENV, old)
    seed(url, tmp_path / "store.key")
    before = stored(url)
    with pytest.raises(StoreConfigError, match=r"GWCTL_STORE_KEY=<new>,<current> on every"):
        rotate_store_key(url)
    assert stored(url) == before
    assert not (tmp_path / "store.key").exists()


def test_with_gwctl_store_key_new_comma_old_rotation_moves_to_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    old, new = generate_key(), generate_key()
    monkeypatch.setenv(KEY_ENV, old)
    plain = seed(url, tmp_path / "store.key")
    monkeypatch.setenv(KEY_ENV, f"{new},{old}")
    rotation = rotate_store_key(url)
    assert rotation.from_environment
    assert decrypt_all(base64.b64decode(new), stored(url)) == plain
    with pytest.raises(StoreConfigError, match="set GWCTL_STORE_KEY to that key alone"):
        rotate_store_key(url)
    monkeypatch.setenv(KEY_ENV, new)
    assert views(url, tmp_path / "store.key")


def test_a_changeset_retried_across_a_rotation_is_refused_never_applied_twice(
    database_url: str, key_file: Path
) -> None:
    body = {"operations": [{"op": "create", "gateway": infobip()}]}
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        store.apply_changeset(body, idempotency_key="retry-1", context=CONTEXT)
        assert store.apply_changeset(body, idempotency_key="retry-1", context=CONTEXT).replayed
        rotate_store_key(database_url, key_file=key_file)
        with pytest.raises(IdempotencyKeyReused):  # its digest was keyed with the old key
            store.apply_changeset(body, idempotency_key="retry-1", context=CONTEXT)
        assert [gateway.key for gateway in store.list_gateways().items] == ["infobip-primary"]
    finally:
        store.close()


def test_a_start_that_cannot_rewrite_the_key_file_warns_and_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    url, key_file = f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "store.key"
    seed(url, key_file)
    (old,) = load_keyring(key_file).keys
    rotate_store_key(url, key_file=key_file)
    (new,) = load_keyring(key_file).keys
    write_keyring(key_file, [new, old])  # committed; the file on a read-only mount since

    def read_only(path: Path, keys: object) -> None:
        raise PermissionError(30, "Read-only file system", str(path))

    monkeypatch.setattr(rotation, "write_keyring", read_only)
    assert views(url, key_file)
    assert load_keyring(key_file).keys == (new, old)
    assert f"{key_file}: could not remove the old key of a rotation" in caplog.text
