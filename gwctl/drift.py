"""`gwctl drift`: what changed in the store behind git's back, by whom and when."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gwctl.client import StoreClient
from gwctl.plan import MANAGED, FieldChange
from gwctl.reconcile import Planned
from gwctl.render import value_text


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


def render_drift(drifts: Sequence[Drift], fmt: str) -> str:
    """Text for people (live value, then what git says) or JSON for tools; no secret values."""
    if fmt == "json":
        return json.dumps([{"key": d.key, "what": d.what, "actor": d.actor, "at": d.at,
                            "fields": [f.field for f in d.fields]} for d in drifts], indent=2)
    if not drifts:
        return "No drift: the store matches what gwctl applied."
    lines = []
    for item in drifts:
        lines.append(f"~ {item.key} {item.what} by {item.actor or 'unknown'} at "
                     f"{item.at or 'an unknown time'}")
        lines.extend(f"    {_field_line(field)}" for field in item.fields)
    lines.append(f"{len(drifts)} account(s) drifted: `gwctl apply` restores git's values, "
                 "`gwctl import` is for accounts git should adopt instead.")
    return "\n".join(lines)


def _field_line(field: FieldChange) -> str:
    if field.sensitive:
        return f"{field.field}: (sensitive value differs from git)"
    return f"{field.field}: live {value_text(field, 'old')}, git {value_text(field, 'new')}"
