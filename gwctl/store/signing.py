"""The store's audit signing key: Ed25519, kept outside the database, signs checkpoints.

The key comes from `GWCTL_AUDIT_SIGNING_KEY` (base64 of the 32-byte private key) or from the
file `audit-signing.key` beside the credential key file (mode 0600). A store with no signed
checkpoint yet creates the file on first use; once checkpoints exist, a missing key is an
error naming the file, never a new key (that would sign over whatever the database holds).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gwctl.core.audit_chain import Checkpoint, PublicKey, signed_bytes
from gwctl.core.private_dir import create_key_file
from gwctl.store.errors import StoreConfigError

SIGNING_KEY_ENV = "GWCTL_AUDIT_SIGNING_KEY"
SIGNING_KEY_FILE = "audit-signing.key"


def signing_key_path(credential_key_file: Path | None) -> Path | None:
    """Where the signing key lives: beside the credential key file (None: no such file, the
    credential key is in GWCTL_STORE_KEY; then GWCTL_AUDIT_SIGNING_KEY must hold it)."""
    return None if credential_key_file is None else credential_key_file.parent / SIGNING_KEY_FILE


class AuditSigner:
    """Signs heads of the audit chain; `public_key` verifies what it signed."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key = PublicKey(raw)
        self.public_key_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def __repr__(self) -> str:
        return f"AuditSigner(key_id={self.public_key.key_id})"  # never the private key

    @classmethod
    def load(cls, path: Path | None, *, may_create: bool) -> AuditSigner:
        """The signer from $GWCTL_AUDIT_SIGNING_KEY, else from `path` (made if `may_create`)."""
        encoded = os.environ.get(SIGNING_KEY_ENV)
        if encoded:
            return cls(_decode(encoded, f"${SIGNING_KEY_ENV}"))
        if path is None:
            raise StoreConfigError(
                f"no audit signing key: set {SIGNING_KEY_ENV}, or name a key file with "
                "--key-file or $GWCTL_STORE_KEY_FILE (the signing key is kept beside it)"
            )
        if not path.exists():
            if not may_create:
                raise StoreConfigError(
                    f"{path}: the audit signing key is missing, and this store's audit log is "
                    f"signed: restore the file (or set {SIGNING_KEY_ENV}); a new key would "
                    "vouch for whatever the database holds now"
                )
            create_key_file(path, generate_signing_key() + "\n")
        try:
            return cls(_decode(path.read_text(encoding="ascii"), str(path)))
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreConfigError(f"{path}: cannot read the audit signing key: {exc}") from None

    def sign(self, seq: int, head_hash: str, at: str) -> Checkpoint:
        key_id = self.public_key.key_id
        signature = self._private.sign(signed_bytes(seq, head_hash, at, key_id))
        return Checkpoint(seq, head_hash, at, key_id, base64.b64encode(signature).decode("ascii"))

    def sign_document(self, document: bytes) -> str:
        """A base64 signature of `document` (a backup's manifest). Callers start the bytes
        with a purpose of their own, so that no document can pass for a checkpoint (whose
        signed bytes are a JSON object)."""
        return base64.b64encode(self._private.sign(document)).decode("ascii")

    def verifies_document(self, document: bytes, signature: str) -> bool:
        """Whether `signature` is this key's `sign_document(document)`."""
        try:
            self._private.public_key().verify(base64.b64decode(signature, validate=True), document)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def generate_signing_key() -> str:
    """A new private signing key, base64 (for GWCTL_AUDIT_SIGNING_KEY or the key file)."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


def _decode(encoded: str, source: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError):
        raise StoreConfigError(
            f"{source}: the audit signing key must be 32 bytes, base64 encoded"
        ) from None
