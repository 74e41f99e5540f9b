"""Thousands of gateways in a store at once, for the table's tests and its bench: one changeset
(one write transaction, audited and signed like `gwctl apply`'s) through the store's service,
never thousands of HTTP calls.

Gateway `i` (from 1) has the key `gw-00001-infobip`, the name "Infobip 00001", providers in
turn (Clickatell, Infobip, Twilio), every tenth one inactive, and the canary credentials of
`tests.support.accounts.valid_credentials`.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.accounts import valid_credentials

PROVIDERS = ("clickatell", "infobip", "twilio")
SEED_ACTOR = "seed"


def gateway_key(index: int) -> str:
    return f"gw-{index:05d}-{PROVIDERS[index % len(PROVIDERS)]}"


def gateway_write(index: int) -> dict[str, Any]:
    """The write body of gateway `index`."""
    provider = PROVIDERS[index % len(PROVIDERS)]
    return {
        "key": gateway_key(index),
        "provider": provider,
        "name": f"{provider.title()} {index:05d}",
        "status": "inactive" if index % 10 == 0 else "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "SMSPLUS",
        "signup_link": f"https://www.{provider}.com/signup",
        "credentials": valid_credentials(provider),
    }


def seed_gateways(store: Any, count: int) -> None:
    """Gateways 1..count in `store` (a GatewayStore), in one transaction."""
    from gwctl.store.context import WriteContext

    operations = [{"op": "create", "gateway": gateway_write(i)} for i in range(1, count + 1)]
    store.apply_changeset(
        {"operations": operations},
        idempotency_key=uuid.uuid4().hex,
        context=WriteContext(token_name=None, actor=SEED_ACTOR),
    )
