"""`gwctl lock status`: who holds the store's apply lock."""

from __future__ import annotations

from gwctl.core.views import LockState
from gwctl.reconcile.apply import describe_lock


def lock_status_text(state: LockState) -> str:
    lock = state.get("lock")
    return f"locked by {describe_lock(lock)}" if state.get("held") and lock else "not locked"
