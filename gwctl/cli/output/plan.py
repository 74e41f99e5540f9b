"""Views of a Plan: text for terminals, JSON for tools and saved plans, Markdown for PRs.

Renderers compute nothing: they only display what `gwctl.reconcile.plan.diff` decided. A sensitive
field is shown as "(sensitive value)" or "(sensitive value changed)", never its value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from gwctl.cli.output.counting import counted
from gwctl.cli.output.markdown_text import md_code, md_text
from gwctl.core.views import PlanFile
from gwctl.errors import GwctlError
from gwctl.reconcile.plan import (
    DIGEST_FIELD,
    FINGERPRINT_FIELD,
    FORMAT_VERSION,
    Change,
    FieldChange,
    Plan,
)

PLAN_FORMATS = ("text", "json", "markdown")  # `gwctl plan --format`
_SYMBOLS = {"create": "+", "update": "~", "rename": ">", "delete": "-"}
_COLOURS = {"create": "green", "update": "yellow", "rename": "cyan", "delete": "red"}


def render_plan(plan: Plan, fmt: str, *, colour: bool = False) -> str:
    if fmt == "json":
        return plan_json(plan)
    if fmt == "markdown":
        return plan_markdown(plan)
    return plan_text(plan, colour=colour)


def summary(plan: Plan) -> str:
    if not plan.has_changes:
        matched = counted(len(plan.unchanged), "account")
        return f"No changes. The store matches gateways.d/ ({matched})."
    counts = ", ".join(
        f"{plan.count(action)} to {action}" for action in ("create", "update", "rename", "delete")
    )
    return f"Plan: {counts}; {len(plan.unchanged)} unchanged."


def value_text(field: FieldChange, side: str) -> str:
    if field.sensitive:
        return "(sensitive value)"
    value = field.old if side == "old" else field.new
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def field_text(field: FieldChange, action: str) -> str:
    if field.field == DIGEST_FIELD:
        if field.old is None:  # the store's copy was last written outside gwctl
            return (
                "credentials last written outside gwctl, and they match the secret file "
                "(records the file's digest)"
            )
        return "secret file re-encrypted, values unchanged (records its new digest)"
    if field.field == FINGERPRINT_FIELD:
        return "credentials fingerprinted with the repository's key, values unchanged"
    if field.sensitive:
        return f"{field.field}: (sensitive value{' changed' if action != 'create' else ''})"
    if action == "create":
        return f"{field.field}: {value_text(field, 'new')}"
    return f"{field.field}: {value_text(field, 'old')} → {value_text(field, 'new')}"


def change_title(change: Change) -> str:
    title = f'{change.key} ({change.provider}, "{change.name}")'
    if change.action == "rename":
        return f"{change.from_key} → {title}"
    return title


def plan_text(plan: Plan, *, colour: bool = False) -> str:
    style: Callable[..., str] = click.style if colour else (lambda text, **_: text)
    lines = [f"gwctl plan against {plan.store}"]
    for change in plan.changes:
        lines.append("")
        head = f"{_SYMBOLS[change.action]} {change.action} {change_title(change)}"
        lines.append(style(head, fg=_COLOURS[change.action], bold=True))
        lines.extend(f"    {field_text(field, change.action)}" for field in change.fields)
    if plan.kept:
        lines += [
            "",
            "Managed accounts without a file, kept (use --prune to delete them): "
            + ", ".join(plan.kept),
        ]
    if plan.unmanaged:
        lines += [
            "",
            "Unmanaged accounts (made by hand, left alone; adopt with gwctl import): "
            + ", ".join(plan.unmanaged),
        ]
    lines += ["", style(summary(plan), bold=True)]
    return "\n".join(lines)


def plan_dict(plan: Plan) -> PlanFile:
    """The documented JSON form (docs/plan-format.md); also what `-o plan.json` saves."""
    return {
        "format_version": FORMAT_VERSION,
        "plan_id": plan.plan_id,
        "created_at": plan.created_at,
        "store": plan.store,
        "summary": {
            action: plan.count(action) for action in ("create", "update", "rename", "delete")
        }
        | {"unchanged": len(plan.unchanged)},
        "changes": [
            {
                "action": change.action,
                "key": change.key,
                "from_key": change.from_key,
                "provider": change.provider,
                "name": change.name,
                "live_version": change.live_version,
                "fields": [
                    {
                        "field": field.field,
                        "sensitive": field.sensitive,
                        "old": None if field.sensitive else field.old,
                        "new": None if field.sensitive else field.new,
                    }
                    for field in change.fields
                ],
            }
            for change in plan.changes
        ],
        "unchanged": list(plan.unchanged),
        "kept_without_prune": list(plan.kept),
        "unmanaged": list(plan.unmanaged),
        "live_versions": dict(sorted(plan.live_versions.items())),
        "prune": plan.prune,
        "inputs_digest": plan.inputs_digest,
    }


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_dict(plan), indent=2, ensure_ascii=False)


class PlanNotSaved(GwctlError):
    """`plan -o FILE` could not write FILE."""


def save_plan(plan: Plan, path: Path) -> str:
    """Write the plan's JSON to `path`; the note to print. PlanNotSaved says why not."""
    try:
        path.write_text(plan_json(plan) + "\n", encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PlanNotSaved(
            f"cannot save the plan to {path}: {reason} (is the folder there and writable?)"
        ) from None
    return f"Saved the plan to {path}: apply it with `gwctl apply {path}`"


def plan_markdown(plan: Plan) -> str:
    """The plan for a pull-request comment. Every value from the files or the store goes
    through `md_text`/`md_code`: rendered, it shows every change as text (docs/plan-format.md)."""
    lines = [f"### gwctl plan: {md_text(summary(plan))}", ""]
    if plan.has_changes:
        lines += [
            "| | Action | Account | Provider | Gateway Name | Changes |",
            "|---|---|---|---|---|---|",
        ]
        for change in plan.changes:
            fields = "<br>".join(
                md_text(field_text(field, change.action)) for field in change.fields
            )
            key = md_code(change.key)
            if change.from_key:
                key = f"{md_code(change.from_key)} → {key}"
            lines.append(
                f"| {_SYMBOLS[change.action]} | {change.action} | {key} | "
                f"{md_text(change.provider)} | {md_text(change.name)} | {fields} |"
            )
    if plan.kept:
        lines += ["", f"Kept without `--prune`: {', '.join(md_code(k) for k in plan.kept)}"]
    if plan.unmanaged:
        lines += ["", f"Unmanaged (left alone): {', '.join(md_code(k) for k in plan.unmanaged)}"]
    lines += ["", f"<sub>plan {md_text(plan.plan_id)} · {md_text(plan.store)}</sub>"]
    return "\n".join(lines)
