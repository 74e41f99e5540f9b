"""Guards a plan must pass before apply: protected accounts and the change threshold."""

from __future__ import annotations

from collections.abc import Sequence

from gwctl.config.settings import Safety
from gwctl.errors import GwctlError
from gwctl.reconcile.plan import MANAGED, Live, Plan


class PlanRefused(GwctlError):
    """The plan is valid but unsafe to apply; the message says what and how to proceed."""


def check_plan(plan: Plan, live: Sequence[Live], safety: Safety, *, force: bool) -> None:
    """Raise PlanRefused for a protected deletion (always) or too many changes (no --force).

    Like octoDNS: refuse when updates plus deletes exceed `max_fraction` of the managed
    accounts and at least `min_existing` of them exist.
    """
    protected = sorted(
        gateway["key"]
        for gateway in live
        if gateway.get("protect")
        and any(
            change.action == "delete" and change.key == gateway["key"] for change in plan.changes
        )
    )
    if protected:
        raise PlanRefused(
            f"refusing to delete protected account(s): {', '.join(protected)}. "
            "protect: true is never overridden, not even by --force: apply "
            "protect: false first, in its own reviewed change"
        )
    if force:
        return
    managed = sum(1 for gateway in live if gateway.get("managed_by") == MANAGED)
    touched = sum(
        1
        for change in plan.changes
        if change.action in ("update", "rename", "delete") and change.changes_values
    )
    if managed >= safety.min_existing and touched > safety.max_fraction * managed:
        raise PlanRefused(
            f"refusing a plan that updates or deletes {touched} of {managed} managed accounts "
            f"({touched / managed:.0%} > {safety.max_fraction:.0%}): review it and re-run with "
            "--force if it is intended"
        )
