"""`gwctl apply`: how it ended, once the plan has been shown (gwctl.cli.output.plan)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gwctl.cli.output.plan import plan_dict, summary
from gwctl.cli.output.verified import verify_data, verify_text

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


def applied_json(applied: Applied) -> str:
    """`apply --format json`: the outcome, the plan applied and, with --verify, the verdicts."""
    return json.dumps(
        {
            "format_version": 1,
            "outcome": applied.outcome,
            "changeset_id": applied.result.get("changeset_id") if applied.result else None,
            "plan": plan_dict(applied.plan),
            "verification": verify_data(applied.verification) if applied.verification else None,
        },
        indent=2,
        ensure_ascii=False,
    )
