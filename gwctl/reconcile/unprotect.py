"""Removing `protect: true` as a write of its own, as the store requires (gwctl.store.protection).

A change that turns `protect` from true to false and also changes anything else (other
fields, credentials, the logo, the key of a rename) is sent as two changeset operations: first
an `update` of the live gateway that only sets `protect: false`, then the change itself at
the next version. Both stay in the one changeset, so the apply is still all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from gwctl.core.views import ChangesetOperation, GatewayWrite
from gwctl.reconcile.plan import Change, Desired


def split_unprotect(
    change: Change, desired: Mapping[str, Desired]
) -> tuple[ChangesetOperation | None, Change]:
    """The `update` that removes the protection first (None when the change needs none), and
    the change to send after it (at the version that update leaves)."""
    fields = {field.field: field for field in change.fields}
    protect = fields.get("protect")
    if change.action not in ("update", "rename") or protect is None or not protect.old:
        return None, change
    if change.action == "update" and set(fields) == {"protect"}:
        return None, change  # removing the protection is all it does: one write is enough
    account = desired[change.key].account
    live = {  # the live values: the plan records the old value of every field it changes
        name: fields[name].old if name in fields else value
        for name, value in account.plain_values().items()
    }
    body: dict[str, Any] = {"provider": account.provider, **live, "protect": False}
    version = change.live_version
    unprotect: ChangesetOperation = {
        "op": "update",
        "key": change.from_key if change.action == "rename" else change.key,
        "if_version": version,
        "gateway": cast(GatewayWrite, body),  # the plain fields are GatewayWrite's, by name
    }
    return unprotect, replace(change, live_version=None if version is None else version + 1)
