"""Renders `gwctl drift`: text for people (live value, then what git says) or JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gwctl.cli.output.counting import counted
from gwctl.cli.output.plan import value_text
from gwctl.reconcile.plan import FieldChange

if TYPE_CHECKING:  # the drift module plans against the store: loaded when drift runs
    from gwctl.reconcile.drift import Drift

DRIFT_FORMATS = ("text", "json")  # `gwctl drift --format`


def render_drift(drifts: Sequence[Drift], fmt: str) -> str:
    """Text for people (live value, then what git says) or JSON for tools; no secret values."""
    if fmt == "json":
        return json.dumps(
            [
                {
                    "key": d.key,
                    "what": d.what,
                    "actor": d.actor,
                    "at": d.at,
                    "fields": [f.field for f in d.fields],
                }
                for d in drifts
            ],
            indent=2,
        )
    if not drifts:
        return "No drift: the store matches what gwctl applied."
    lines = []
    for item in drifts:
        lines.append(
            f"~ {item.key} {item.what} by {item.actor or 'unknown'} at "
            f"{item.at or 'an unknown time'}"
        )
        lines.extend(f"    {_field_line(field)}" for field in item.fields)
    lines.append(
        f"{counted(len(drifts), 'account')} drifted: `gwctl apply` restores git's values, "
        "`gwctl import` is for accounts git should adopt instead."
    )
    return "\n".join(lines)


def _field_line(field: FieldChange) -> str:
    if field.sensitive:
        return f"{field.field}: (sensitive value differs from git)"
    return f"{field.field}: live {value_text(field, 'old')}, git {value_text(field, 'new')}"
