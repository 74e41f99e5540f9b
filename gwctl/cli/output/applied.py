"""`gwctl apply`: how it ended, once the plan has been shown (gwctl.cli.output.plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gwctl.cli.output.plan import summary
from gwctl.cli.output.verified import verify_text

if TYPE_CHECKING:
    from gwctl.reconcile.workflow import Applied


def render_applied(applied: Applied) -> str | None:
    """None when there was nothing to apply: the plan shown said so. With --verify, the
    verdicts on the credentials it wrote come first."""
    verified = verify_text(applied.verification) + "\n" if applied.verification else ""
    if applied.outcome == "declined":
        return verified + "Nothing applied."
    if applied.result is None:
        return None
    changeset = applied.result.get("changeset_id")
    done = summary(applied.plan).removeprefix("Plan: ")
    return f"{verified}Applied in one changeset ({changeset}): {done}"
