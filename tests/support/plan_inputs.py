"""Inputs of the pure diff (`gwctl.reconcile.plan.diff`): accounts as the loader makes them,
their decrypted credentials, and the desired state built from both."""

from __future__ import annotations

from typing import Any

from gwctl.core.fingerprints import FingerprintKey
from gwctl.core.model import Account, Secret
from gwctl.core.providers import load_providers
from gwctl.reconcile.plan import Desired
from tests.support.canaries import CANARY


def account(key: str = "infobip-eu", **overrides: Any) -> Account:
    fields: dict[str, Any] = {
        "key": key,
        "provider": "infobip",
        "name": f"Infobip {key}",
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "secret_digest": f"sha256:{key}-secret-v1",
    }
    return Account(**{**fields, **overrides})


def credentials(api_key: str = "api-key-0001", secret_key: str = CANARY) -> dict[str, Secret]:
    return {"api_key": Secret(api_key), "secret_key": Secret(secret_key)}


KEY = FingerprintKey(b"k" * 32)  # the repository's fingerprint key, for these tests


def desired(acc: Account, creds: dict[str, Secret] | None = None) -> Desired:
    fingerprints = {n: KEY.fingerprint(n, v) for n, v in creds.items()} if creds else None
    return Desired(acc, load_providers()[acc.provider], creds, fingerprints)
