"""`gwctl history` renders the audit trail: a connection test shows what it found."""

from __future__ import annotations

import json
from typing import Any

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


def test_json_and_csv_keep_their_columns() -> None:
    [row] = json.loads(render_history([entry()], "json"))

    assert list(row) == list(COLUMNS)
    assert render_history([entry()], "csv").splitlines()[0] == ",".join(COLUMNS)
