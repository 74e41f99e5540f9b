"""The credential fingerprint format, written once: the store computes it, clients check it.

The store answers each credential with `hmac-sha256:<salt>:<hex>` (docs/store-api.md); a
client holding a candidate value recomputes the HMAC with the same salt and compares, so it
tells whether a credential changed without the stored value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from gwctl.core.model import Secret

SCHEME = "hmac-sha256"


def fingerprint(value: Secret, salt: bytes) -> str:
    """`hmac-sha256:<salt, base64url without padding>:<hex HMAC-SHA256(key=salt, msg=value)>`."""
    digest = hmac.new(salt, value.reveal().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{SCHEME}:{base64.urlsafe_b64encode(salt).decode().rstrip('=')}:{digest}"


def matches(value: Secret, stored: str | None) -> bool:
    """True when `value` is the one the store fingerprinted (compared in constant time)."""
    if not stored:
        return False
    parts = stored.split(":")
    if len(parts) != 3 or parts[0] != SCHEME:
        return False
    try:
        salt = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
    except ValueError:
        return False
    return hmac.compare_digest(fingerprint(value, salt), stored)
