"""Credential fingerprints that only the config repository can compute.

A fingerprint is HMAC-SHA256 of a credential value under the repository's fingerprint key: a
random key kept sops-encrypted beside the secret files (gwctl.config.fingerprint_key), so only
those who can decrypt the secrets anyway can compute one. gwctl computes it at apply and the
store keeps it as an opaque value: nothing a read token sees or a database dump holds lets
anyone test a guess of a credential. The field name is part of the message, so one value
stored in two fields does not show as equal.

`gwctl-hmac-sha256:<key id>:<hex>`; the key id (12 hex digits of a hash of the key) names
which key made it, so a fingerprint from another key is "unknown", never "different".
"""

from __future__ import annotations

import hashlib
import hmac

from gwctl.core.model import Secret

SCHEME = "gwctl-hmac-sha256"
KEY_BYTES = 32


class FingerprintKey:
    """The repository's fingerprint key, in memory only while a plan or apply runs."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a fingerprint key is {KEY_BYTES} bytes")
        self._key = key
        self.key_id = hashlib.sha256(b"gwctl-fingerprint-key-id\n" + key).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"FingerprintKey(key_id={self.key_id})"  # never the key

    def fingerprint(self, field: str, value: Secret) -> str:
        message = f"gwctl-credential/1\n{field}\n{value.reveal()}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        return f"{SCHEME}:{self.key_id}:{digest}"
