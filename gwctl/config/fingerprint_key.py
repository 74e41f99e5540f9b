"""The repository's fingerprint key: `gateways.d/_fingerprint-key.secret.yaml`, sops-encrypted.

It sits beside the secret files so the repository's existing `.sops.yaml` rule encrypts it to
the same people and CI jobs (its name is no account key: the loader leaves it alone). Without
it gwctl still never lets the store compute a fingerprint; plan then cannot tell a decrypted
credential from the stored one and sends it again.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

from gwctl.config.layout import FINGERPRINT_KEY_FILE as KEY_FILE
from gwctl.config.layout import GATEWAYS_DIR
from gwctl.config.secrets import SecretError, decrypt_file, encrypt_to_file
from gwctl.core.fingerprints import KEY_BYTES, FingerprintKey
from gwctl.core.model import Secret
from gwctl.errors import GwctlError

FIELD = "fingerprint_key"


class FingerprintKeyError(GwctlError):
    """The key file cannot be made or read; the message names it and the fix."""


def key_path(root: Path) -> Path:
    return root / GATEWAYS_DIR / KEY_FILE


def create_fingerprint_key(root: Path) -> Path:
    """A new random key, encrypted by sops under the repository's rules; never overwrites."""
    path = key_path(root)
    if path.exists():
        raise FingerprintKeyError(
            f"{GATEWAYS_DIR}/{KEY_FILE} exists already: a new key would turn every stored "
            "fingerprint into 'unknown' (delete the file first if that is what you want)"
        )
    value = Secret(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii"))
    encrypt_to_file({FIELD: value}, path, root)
    return path


def load_fingerprint_key(root: Path) -> FingerprintKey | None:
    """The key, decrypted; None when the repository has none."""
    path = key_path(root)
    if not path.is_file():
        return None
    display = f"{GATEWAYS_DIR}/{KEY_FILE}"
    try:
        values = decrypt_file(path, display)
    except SecretError as exc:
        raise FingerprintKeyError(f"{display}: {exc}") from None
    encoded = values.get(FIELD)
    try:
        raw = base64.b64decode(encoded.reveal() if encoded else "", validate=True)
        return FingerprintKey(raw)
    except (binascii.Error, ValueError):
        raise FingerprintKeyError(
            f"{display}: '{FIELD}' must be {KEY_BYTES} random bytes, base64: make a new file "
            "with `gwctl fingerprint-key create` (after deleting this one)"
        ) from None
