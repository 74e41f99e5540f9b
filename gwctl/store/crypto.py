"""Credential values at rest: AES-GCM encryption, the store key, masks.

A credential value is encrypted with AES-256-GCM under the store key, with a random nonce
per value and associated data naming the gateway key and the column, so a ciphertext copied
to another row or column does not decrypt. The key comes from `GWCTL_STORE_KEY` (base64 of
32 bytes) or from a key file created with mode 0600 on first start.

The API shows a secret value only as `mask()` and the fingerprint gwctl computed
(gwctl.core.fingerprints; docs/store-api.md).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gwctl.core.private_dir import create_key_file
from gwctl.store.errors import StoreConfigError

KEY_ENV = "GWCTL_STORE_KEY"
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = b"\x01"
MASK = "••••"


class DecryptionError(Exception):
    """A stored value does not decrypt with this key for this gateway and column."""


def load_key(key_file: Path | None) -> bytes:
    """The store key: from `GWCTL_STORE_KEY`, else read from `key_file`, created if missing."""
    encoded = os.environ.get(KEY_ENV)
    if encoded:
        return _decode_key(encoded, f"${KEY_ENV}")
    if key_file is None:
        raise StoreConfigError(f"no store key: set {KEY_ENV} or give a key file")
    if not key_file.exists():
        create_key_file(key_file, generate_key() + "\n")
    try:
        return _decode_key(key_file.read_text(encoding="ascii"), str(key_file))
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreConfigError(f"{key_file}: cannot read the store key: {exc}") from None


def generate_key() -> str:
    """A new store key, base64 encoded (for GWCTL_STORE_KEY or a key file)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode_key(encoded: str, source: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise StoreConfigError(f"{source}: the store key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise StoreConfigError(f"{source}: the store key must be {KEY_BYTES} bytes, base64 encoded")
    return key


class CredentialCipher:
    """Encrypts and decrypts credential values under the store key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise StoreConfigError(f"the store key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)
        self._key = key

    def __repr__(self) -> str:
        return "CredentialCipher(<key hidden>)"

    def encrypt(self, value: str, *, gateway_key: str, column: str) -> bytes:
        """Ciphertext of `value`, bound to the gateway key and column it is stored under."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), _context(gateway_key, column))
        return FORMAT_V1 + nonce + sealed

    def decrypt(self, blob: bytes, *, gateway_key: str, column: str) -> str:
        """The value stored as `blob` under this gateway key and column."""
        if blob[:1] != FORMAT_V1 or len(blob) < 1 + NONCE_BYTES + 16:
            raise DecryptionError(f"{gateway_key}/{column}: unknown ciphertext format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, sealed, _context(gateway_key, column))
        except InvalidTag:
            raise DecryptionError(
                f"{gateway_key}/{column}: does not decrypt (wrong store key or moved value)"
            ) from None
        return plain.decode("utf-8")

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey for `purpose` (e.g. an HMAC key), independent of the AES key."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._key)


def _context(gateway_key: str, column: str) -> bytes:
    return f"gwctl-store:v1:{gateway_key}:{column}".encode()


def mask(value: str, *, show_tail: bool = True) -> str:
    """`••••` + the last 4 characters; `••••` alone for values of 8 characters or fewer, and
    for a value whose tail would help guess it (`show_tail=False`: a password)."""
    return MASK if len(value) <= 8 or not show_tail else MASK + value[-4:]
