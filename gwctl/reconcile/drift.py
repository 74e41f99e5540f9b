"""`gwctl drift`: what changed in the store behind git's back, by whom and when."""

from __future__ import annotations

from dataclasses import dataclass

from gwctl.config.settings import Settings
from gwctl.core.views import AuditEntry
from gwctl.reconcile.plan import BOOKKEEPING, MANAGED, FieldChange, LiveGateway
from gwctl.reconcile.workflow import Planned, StoreOpener, load_checked, make_plan
from gwctl.remote.client import StoreClient
from gwctl.remote.session import open_store


@dataclass(frozen=True)
class Drift:
    key: str
    what: str  # "changed" or "deleted"
    fields: tuple[FieldChange, ...]
    actor: str | None
    at: str | None


def find_drift(settings: Settings, *, opener: StoreOpener = open_store) -> list[Drift]:
    """`gwctl drift`: plan the checked config against the store, keep what is drift."""
    config = load_checked(settings)
    with opener(settings, None) as client:
        return detect_drift(make_plan(settings, config, client), client)


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
            # the digest gwctl records is its own bookkeeping, not a value someone changed
            fields = tuple(f for f in change.fields if f.field not in BOOKKEEPING)
            if fields:
                who = _last_writer(client, change.key)
                drifts.append(Drift(change.key, "changed", fields, *who))
        elif change.action == "create":
            who = _last_writer(client, change.key)
            if who[0] is not None:  # it existed: someone deleted it live
                drifts.append(Drift(change.key, "deleted", (), *who))
    return drifts


def _written_elsewhere(gateway: LiveGateway) -> bool:
    return gateway.get("managed_by") != MANAGED or not gateway.get("applied_digest")


def _last_writer(client: StoreClient, key: str) -> tuple[str | None, str | None]:
    last: AuditEntry | None = None
    for entry in client.audit_entries(key=key):
        if entry.get("action") in ("create", "update", "unprotect", "rename", "delete"):
            last = entry
    if last is None:
        return None, None
    token = f" (token {last['token_name']})" if last.get("token_name") else ""
    return f"{last.get('actor')}{token}", last.get("at")
