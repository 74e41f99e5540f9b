"""The served store's logs: JSON lines on request, access lines with the request's method,
path, status, time and client, and never a query string, a token or a cookie; a path cannot
forge a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gwctl.store.access_log import AccessLog, printable
from gwctl.store.app import create_app
from gwctl.store.logs import ACCESS_LOGGER
from tests.support.canaries import CANARY
from tests.support.servers import free_port
from tests.support.serving import entry_point, launch, wait_for


def test_json_logs_are_one_object_per_line_and_never_carry_a_secret(tmp_path: Path) -> None:
    port = free_port()
    command = [
        *entry_point("gwctl serve", tmp_path),
        *("--port", str(port), "--log-format", "json"),
        *("--init", "--init-token-file", str(tmp_path / "admin.token")),
    ]
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run")
    try:
        response = served.get(
            f"/api/v1/gateways?cursor={CANARY}",
            headers={"Authorization": f"Bearer {CANARY}", "Cookie": f"gwctl_session={CANARY}"},
        )
        wait_for(lambda: "/api/v1/gateways" in served.stdout(), "the access log line")
    finally:
        served.stop()

    access, app = served.json_lines("stdout"), served.json_lines("stderr")
    assert response.status_code == 401
    line = next(entry for entry in access if entry["path"] == "/api/v1/gateways")
    assert {"level": "info", "logger": "gwctl.access", "method": "GET", "status": 401}.items() <= (
        line.items()
    )
    assert line["client"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float)
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in access + app)
    assert CANARY not in served.stdout() + served.stderr()


def test_a_path_cannot_forge_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = AccessLog(create_app(f"sqlite:///{tmp_path / 's.sqlite3'}", key_file=tmp_path / "k"))
    with TestClient(app) as client, caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        client.get("/x%0A2026-12-03 INFO gwctl.access: forged%1B[2K%E2%80%AE")

    (record,) = caplog.records
    assert "\n" not in record.getMessage()
    assert record.path == "/x\\n2026-12-03 INFO gwctl.access: forged\\x1b[2K\\u202e"  # type: ignore[attr-defined]


def test_printable_keeps_letters_of_every_script_and_spaces() -> None:
    assert printable("/gateways/Infobip I/ünïcode/日本") == "/gateways/Infobip I/ünïcode/日本"
