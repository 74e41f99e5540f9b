"""`gwctl drift`: what changed in the store behind git's back, by whom and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gwctl.reconcile.plan import MANAGED, FieldChange
from gwctl.reconcile.workflow import Planned
from gwctl.remote.client import StoreClient


@dataclass(frozen=True)
class Drift:
    key: str
    what: str  # "changed" or "deleted"
    fields: tuple[FieldChange, ...]
    actor: str | None
    at: str | None


def detect_drift(planned: Planned, client: StoreClient) -> list[Drift]:
    """Differences that come from a live write gwctl did not make.

    An account gwctl wrote last still carries the digest gwctl recorded; any other write
    (web page, API) clears it. So a difference on an account without that digest is drift,
    while a difference on one with it is a change in git that is not applied yet.
    """
    live = {gateway["key"]: gateway for gateway in planned.live}
    drifts = []
    for change in planned.plan.changes:
        gateway = live.get(change.key)
        if change.action == "update" and gateway is not None and _written_elsewhere(gateway):
            who = _last_writer(client, change.key)
            drifts.append(Drift(change.key, "changed", change.fields, *who))
        elif change.action == "create":
            who = _last_writer(client, change.key)
            if who[0] is not None:  # it existed: someone deleted it live
                drifts.append(Drift(change.key, "deleted", (), *who))
    return drifts


def _written_elsewhere(gateway: Mapping[str, Any]) -> bool:
    return gateway.get("managed_by") != MANAGED or not gateway.get("applied_digest")


def _last_writer(client: StoreClient, key: str) -> tuple[str | None, str | None]:
    last: dict[str, Any] | None = None
    for entry in client.audit_entries(key=key):
        if entry.get("action") in ("create", "update", "rename", "delete"):
            last = entry
    if last is None:
        return None, None
    token = f" (token {last['token_name']})" if last.get("token_name") else ""
    return f"{last.get('actor')}{token}", last.get("at")
