"""Credential values at rest: AES-GCM encryption under a keyring of store keys, masks.

A credential value is encrypted with AES-256-GCM under the store's current key, with a random
nonce per value and associated data naming the key id, the gateway key and the column, so a
ciphertext copied to another row or column, or relabelled with another key id, does not
decrypt. Format 2 (written now): 0x02 + key id (8 bytes) + nonce + sealed. Format 1 (0x01 +
nonce + sealed, before key rotation existed) still decrypts with any key of the ring; a
rotation rewrites it. A key id is the first 8 bytes of an HMAC of a fixed label under the
key: it names the key, never reveals it.

A keyring holds the current key plus, during a rotation, the next or the old one
(gwctl.store.key_files reads it; gwctl.store.rotation changes it). A ciphertext naming a key
id the cipher does not hold makes it reload its ring once (a rotation by another process).

The API shows a secret value only as `mask()` and the fingerprint gwctl computed
(gwctl.core.fingerprints; docs/store-api.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gwctl.store.errors import StoreConfigError

KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
FORMAT_V1 = b"\x01"
FORMAT_V2 = b"\x02"
MASK = "••••"


class DecryptionError(Exception):
    """A stored value does not decrypt with this keyring for this gateway and column."""


def key_id(key: bytes) -> str:
    """The id a ciphertext names its key by (16 hex digits); no use for guessing the key."""
    return hmac.new(key, b"gwctl-store-key-id/1", hashlib.sha256).hexdigest()[: 2 * KEY_ID_BYTES]


@dataclass(frozen=True, repr=False)
class KeyRing:
    """Store keys, the newest first, and where they were read (a file or a variable)."""

    keys: tuple[bytes, ...]
    source: str

    def __post_init__(self) -> None:
        if not self.keys:
            raise StoreConfigError(f"{self.source}: holds no store key")

    def __repr__(self) -> str:
        return f"KeyRing(source={self.source!r}, key_ids={[key_id(k) for k in self.keys]})"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id(key) for key in self.keys)


def generate_key() -> str:
    """A new store key, base64 encoded (for GWCTL_STORE_KEY or a key file)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_key(encoded: str, source: str) -> bytes:
    """One base64 key; StoreConfigError naming `source` (never the text) if it is not one."""
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise StoreConfigError(f"{source}: the store key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise StoreConfigError(f"{source}: the store key must be {KEY_BYTES} bytes, base64 encoded")
    return key


def ciphertext_key_id(blob: bytes) -> str | None:
    """The key id a format-2 ciphertext names; None for format 1 (or garbage)."""
    if blob[:1] != FORMAT_V2 or len(blob) < 1 + KEY_ID_BYTES:
        return None
    return blob[1 : 1 + KEY_ID_BYTES].hex()


class CredentialCipher:
    """Encrypts under the current key and decrypts under whichever key of the ring a
    ciphertext names; `reload` (if given) returns the ring as it is now on disk."""

    def __init__(
        self, keys: bytes | KeyRing, *, reload: Callable[[], KeyRing] | None = None
    ) -> None:
        ring = keys if isinstance(keys, KeyRing) else KeyRing((keys,), "the given key")
        for key in ring.keys:
            if len(key) != KEY_BYTES:
                raise StoreConfigError(f"the store key must be {KEY_BYTES} bytes")
        self.source = ring.source
        self._reload = reload
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[bytes, AESGCM]] = {}
        self._add(ring)
        self._current = ring.ids[0]

    def __repr__(self) -> str:
        return "CredentialCipher(<key hidden>)"

    def holds(self, wanted: str) -> bool:
        """Whether the key `wanted` is held, reloading the ring once if it is not."""
        if wanted not in self._keys and self._reload is not None:
            with self._lock:
                if wanted not in self._keys:
                    self._add(self._reload())
        return wanted in self._keys

    def follow(self, wanted: str) -> None:
        """Encrypt under key `wanted` from now on (the key the database's values are under)."""
        if not self.holds(wanted):
            raise StoreConfigError(
                f"{self.source}: does not hold the key {wanted} this database's credentials "
                "are encrypted under (a rotation by another process? see docs/key-rotation.md)"
            )
        self._current = wanted

    def encrypt(self, value: str, *, gateway_key: str, column: str) -> bytes:
        """Ciphertext of `value` under the current key, bound to the gateway key and column."""
        current = self._current
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._keys[current][1].encrypt(
            nonce, value.encode("utf-8"), _context(current, gateway_key, column)
        )
        return FORMAT_V2 + bytes.fromhex(current) + nonce + sealed

    def decrypt(self, blob: bytes, *, gateway_key: str, column: str) -> str:
        """The value stored as `blob` under this gateway key and column."""
        return self._open(blob, gateway_key, column)[1]

    def key_id_of(self, blob: bytes, *, gateway_key: str, column: str) -> str:
        """The id of the key `blob` decrypts under (DecryptionError if none held does)."""
        return self._open(blob, gateway_key, column)[0]

    def _open(self, blob: bytes, gateway_key: str, column: str) -> tuple[str, str]:
        where = f"{gateway_key}/{column}"
        if blob[:1] == FORMAT_V1 and len(blob) >= 1 + NONCE_BYTES + TAG_BYTES:
            nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
            for held, (_key, aead) in list(self._keys.items()):
                plain = _open(aead, nonce, sealed, _context(None, gateway_key, column))
                if plain is not None:
                    return held, plain
            raise DecryptionError(f"{where}: does not decrypt (wrong store key or moved value)")
        named = ciphertext_key_id(blob)
        if named is None or len(blob) < 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"{where}: unknown ciphertext format")
        if not self.holds(named):
            raise DecryptionError(
                f"{where}: encrypted under key {named}, which {self.source} does not hold"
            )
        start = 1 + KEY_ID_BYTES
        nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
        plain = _open(self._keys[named][1], nonce, sealed, _context(named, gateway_key, column))
        if plain is None:
            raise DecryptionError(f"{where}: does not decrypt (moved or altered value)")
        return named, plain

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey of the current key for `purpose` (e.g. an HMAC key), independent
        of the AES key; it changes with a rotation."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._keys[self._current][0])

    def _add(self, ring: KeyRing) -> None:
        keys = dict(self._keys)
        keys.update({key_id(key): (key, AESGCM(key)) for key in ring.keys})
        self._keys = keys  # replaced whole: readers on other threads see the old or the new


def _open(aead: AESGCM, nonce: bytes, sealed: bytes, context: bytes) -> str | None:
    try:
        return aead.decrypt(nonce, sealed, context).decode("utf-8")
    except InvalidTag:
        return None


def _context(key: str | None, gateway_key: str, column: str) -> bytes:
    if key is None:  # format 1
        return f"gwctl-store:v1:{gateway_key}:{column}".encode()
    return f"gwctl-store:v2:{key}:{gateway_key}:{column}".encode()


def mask(value: str, *, show_tail: bool = True) -> str:
    """`••••` + the last 4 characters; `••••` alone for values of 8 characters or fewer, and
    for a value whose tail would help guess it (`show_tail=False`: a password)."""
    return MASK if len(value) <= 8 or not show_tail else MASK + value[-4:]
