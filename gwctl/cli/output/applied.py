"""`gwctl apply`: how it ended, once the plan has been shown (gwctl.cli.output.plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gwctl.cli.output.plan import summary

if TYPE_CHECKING:
    from gwctl.reconcile.workflow import Applied


def render_applied(applied: Applied) -> str | None:
    """None when there was nothing to apply: the plan shown said so."""
    if applied.outcome == "declined":
        return "Nothing applied."
    if applied.result is None:
        return None
    changeset = applied.result.get("changeset_id")
    return f"Applied in one changeset ({changeset}): {summary(applied.plan).removeprefix('Plan: ')}"
