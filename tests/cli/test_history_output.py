"""`gwctl history` renders the audit trail: a connection test shows what it found, and the CSV
opens in a spreadsheet as text (formula prefixes neutralised)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from gwctl.cli.output.csv_text import FORMULA_PREFIXES
from gwctl.cli.output.history import COLUMNS, render_history
from gwctl.core.views import AuditEntry


def entry(**changes: Any) -> AuditEntry:
    base: dict[str, Any] = {
        "seq": 7,
        "at": "2026-12-02T12:00:00Z",
        "actor": "web:alice",
        "token_name": "alice",
        "action": "connection_test",
        "key": "infobip-eu",
        "fields": [],
        "source_commit": None,
        "plan_id": None,
        "changeset_id": None,
        "details": {
            "provider": "infobip",
            "host": "api.infobip.com",
            "verdict": "rejected",
            "reason": "API key refused (UNAUTHORIZED)",
            "http_status": 401,
        },
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    base.update(changes)
    made: AuditEntry = base  # type: ignore[assignment]
    return made


def test_a_connection_test_shows_its_verdict_and_reason() -> None:
    text = render_history([entry()], "text")

    assert text == (
        "#7 2026-12-02T12:00:00Z web:alice (token alice) connection_test infobip-eu "
        "rejected: API key refused (UNAUTHORIZED) (HTTP 401)"
    )


def test_a_tokens_first_use_from_an_address_shows_where_from() -> None:
    first = {"address": "192.0.2.7", "user_agent": "curl/8"}
    new_address = entry(actor="ci", token_name="ci", action="token_new_address", key=None)

    lines = render_history(
        [
            {**new_address, "details": first},
            {**new_address, "details": {**first, "cap_reached": True}},
        ],
        "text",
    ).splitlines()

    assert lines == [
        "#7 2026-12-02T12:00:00Z ci (token ci) token_new_address from 192.0.2.7 (curl/8)",
        "#7 2026-12-02T12:00:00Z ci (token ci) token_new_address from 192.0.2.7 (curl/8); "
        "cap reached: more new addresses this hour not recorded",
    ]


def test_json_and_csv_keep_their_columns() -> None:
    [row] = json.loads(render_history([entry()], "json"))

    assert list(row) == list(COLUMNS)
    assert render_history([entry()], "csv").splitlines()[0] == ",".join(COLUMNS)


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_starting_a_formula_get_a_leading_quote(formula: str) -> None:
    hostile = entry(
        actor=formula,
        key=formula,
        fields=[formula, "name"],
        source_commit=formula,
        plan_id=formula,
        token_name=formula,
        details={"reason": formula, "verdict": formula},
    )

    [header, row] = csv.reader(io.StringIO(render_history([hostile], "csv"), newline=""))

    assert header == list(COLUMNS)
    by_column = dict(zip(COLUMNS, row, strict=True))
    for column in ("actor", "key", "source_commit", "plan_id", "token_name"):
        assert by_column[column] == "'" + formula
    assert by_column["fields"] == f"'{formula} name"
    assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row)


def test_csv_cells_that_start_no_formula_are_kept_as_they_are() -> None:
    plain = entry(actor="alice=admin", key="infobip-eu", fields=["name", "-status"])

    [_, row] = csv.reader(io.StringIO(render_history([plain], "csv"), newline=""))

    assert row[:3] == ["7", "2026-12-02T12:00:00Z", "alice=admin"]
    assert row[COLUMNS.index("key")] == "infobip-eu"
    assert row[COLUMNS.index("fields")] == "name -status"


def test_json_history_keeps_values_exactly() -> None:
    [row] = json.loads(render_history([entry(actor="=1+2", fields=["@x"])], "json"))

    assert (row["actor"], row["fields"]) == ("=1+2", ["@x"])
