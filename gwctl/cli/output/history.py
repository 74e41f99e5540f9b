"""`gwctl history`: the store's audit trail for people (text) and auditors' tools (json, csv)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

FORMATS = ("text", "json", "csv")
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


def render_history(entries: Iterable[Mapping[str, Any]], fmt: str) -> str:
    rows = [{column: entry.get(column) for column in COLUMNS} for entry in entries]
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
