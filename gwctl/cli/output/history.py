"""`gwctl history`: the store's audit trail for people (text) and auditors' tools (json, csv).

The CSV neutralises formula prefixes (gwctl.cli.output.csv_text): a spreadsheet shows it as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from gwctl.cli.output.csv_text import csv_table
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
    rows = [{**_row(entry), "outcome": _outcome(entry)} for entry in entries]
    if fmt == "json":
        return json.dumps([_without_outcome(row) for row in rows], indent=2, ensure_ascii=False)
    if fmt == "csv":
        return csv_table(
            COLUMNS, ({**row, "fields": " ".join(row["fields"] or [])} for row in rows)
        )
    if not rows:
        return "No audit entries match."
    return "\n".join(_line(row) for row in rows)


def _row(entry: AuditEntry) -> dict[str, Any]:
    by_name: Mapping[str, Any] = entry
    return {column: by_name.get(column) for column in COLUMNS}


def _outcome(entry: AuditEntry) -> str:
    """What a connection test found ("rejected: API key refused (HTTP 401)"), where a token
    was first used from ("from 192.0.2.7 (curl/8)"), else ""."""
    details: Mapping[str, Any] = entry.get("details") or {}
    if entry.get("action") == "token_new_address" and "address" in details:
        agent = f" ({details['user_agent']})" if details.get("user_agent") else ""
        capped = "; cap reached: more new addresses this hour not recorded"
        return f"from {details['address']}{agent}{capped if details.get('cap_reached') else ''}"
    if entry.get("action") != "connection_test" or "verdict" not in details:
        return ""
    status = f" (HTTP {details['http_status']})" if details.get("http_status") else ""
    return f"{details['verdict']}: {details.get('reason', '')}{status}"


def _without_outcome(row: Mapping[str, Any]) -> dict[str, Any]:
    return {column: row[column] for column in COLUMNS}


def _line(row: Mapping[str, Any]) -> str:
    fields = f" [{', '.join(row['fields'])}]" if row.get("fields") else ""
    if row.get("outcome"):
        fields = f" {row['outcome']}"
    commit = f" commit {str(row['source_commit'])[:12]}" if row.get("source_commit") else ""
    plan = f" plan {row['plan_id']}" if row.get("plan_id") else ""
    token = f" (token {row['token_name']})" if row.get("token_name") else ""
    key = f" {row['key']}" if row.get("key") else ""
    return (
        f"#{row['seq']} {row['at']} {row['actor']}{token} {row['action']}{key}{fields}"
        f"{commit}{plan}"
    )
