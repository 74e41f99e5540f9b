"""Credential encryption at rest, the store key, masks."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from gwctl.store.crypto import CredentialCipher, DecryptionError, generate_key, mask
from gwctl.store.errors import StoreConfigError
from gwctl.store.key_files import KEY_ENV, load_keyring
from gwctl.store.service import GatewayStore


def test_masks_show_at_most_the_last_four_characters() -> None:
    assert mask("abcdefghij1234") == "••••1234"
    assert mask("123456789") == "••••6789"
    assert mask("12345678") == "••••"
    assert mask("") == "••••"


def test_ciphertexts_are_bound_to_their_gateway_and_column() -> None:
    cipher = CredentialCipher(base64.b64decode(generate_key()))
    blob = cipher.encrypt("value-1", gateway_key="gw-a", column="api_key")
    assert blob != cipher.encrypt("value-1", gateway_key="gw-a", column="api_key")
    assert b"value-1" not in blob
    assert cipher.decrypt(blob, gateway_key="gw-a", column="api_key") == "value-1"
    with pytest.raises(DecryptionError):
        cipher.decrypt(blob, gateway_key="gw-b", column="api_key")
    with pytest.raises(DecryptionError):
        cipher.decrypt(blob, gateway_key="gw-a", column="secret_key")
    other = CredentialCipher(base64.b64decode(generate_key()))
    with pytest.raises(DecryptionError):
        other.decrypt(blob, gateway_key="gw-a", column="api_key")
    assert repr(cipher) == "CredentialCipher(<key hidden>)"


def test_the_key_file_is_created_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "nested" / "store.key"
    keys = load_keyring(path).keys
    assert [len(key) for key in keys] == [32]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(path).keys == keys
    monkeypatch.setenv(KEY_ENV, base64.b64encode(b"k" * 32).decode())
    assert load_keyring(path).keys == (b"k" * 32,)
    monkeypatch.setenv(KEY_ENV, "not base64!")
    with pytest.raises(StoreConfigError, match=r"\$GWCTL_STORE_KEY: the store key is not valid"):
        load_keyring(path)
    monkeypatch.setenv(KEY_ENV, base64.b64encode(b"short").decode())
    with pytest.raises(StoreConfigError, match="32 bytes"):
        load_keyring(path)


def test_a_wrong_key_is_refused_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    GatewayStore.open(url).close()
    assert (tmp_path / "store.key").is_file()  # beside the SQLite file by default
    assert stat.S_IMODE((tmp_path / "store.sqlite3").stat().st_mode) == 0o600
    with pytest.raises(StoreConfigError, match=r"other\.key: holds no key this database"):
        GatewayStore.open(url, key_file=tmp_path / "other.key")
