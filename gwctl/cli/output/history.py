"""`gwctl history`: the store's audit trail for people (text) and auditors' tools (json, csv)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from gwctl.core.views import AuditEntry

HISTORY_FORMATS = ("text", "json", "csv")  # `gwctl history --format`
COLUMNS = (
    "seq",
    "at",
    "actor",
    "token_name",
    "action",
    "key",
    "fields",
    "source_commit",
    "plan_id",
)


def render_history(entries: Iterable[AuditEntry], fmt: str) -> str:
    rows = [_row(entry) for entry in entries]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "fields": " ".join(row["fields"] or [])} for row in rows)
        return out.getvalue().rstrip("\n")
    if not rows:
        return "No audit entries match."
    return "\n".join(_line(row) for row in rows)


def _row(entry: AuditEntry) -> dict[str, Any]:
    by_name: Mapping[str, Any] = entry
    return {column: by_name.get(column) for column in COLUMNS}


def _line(row: Mapping[str, Any]) -> str:
    fields = f" [{', '.join(row['fields'])}]" if row.get("fields") else ""
    commit = f" commit {str(row['source_commit'])[:12]}" if row.get("source_commit") else ""
    plan = f" plan {row['plan_id']}" if row.get("plan_id") else ""
    token = f" (token {row['token_name']})" if row.get("token_name") else ""
    key = f" {row['key']}" if row.get("key") else ""
    return (
        f"#{row['seq']} {row['at']} {row['actor']}{token} {row['action']}{key}{fields}"
        f"{commit}{plan}"
    )
