"""A served store configured as operators configure it: every setting from the environment on
both entry points, several workers on one database migrated once, and a database password
that never reaches a log line or an error."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from gwctl.store.settings import OPTIONS
from tests.support.canaries import CANARY
from tests.support.databases import fresh_database
from tests.support.servers import free_port
from tests.support.serving import ENTRY_POINTS, entry_point, launch, store_environ, wait_for

METRICS_TOKEN = "scrape-token-from-the-environment"
STARTED = re.compile(r"Started server process \[(\d+)\]")


def _started_workers(lines: list[str]) -> set[str]:
    return {match.group(1) for line in lines if (match := STARTED.search(line))}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_setting_is_read_from_its_environment_variable(entry: str, tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    database, key_file, token_file = (
        tmp_path / "db" / "store.sqlite3",
        tmp_path / "keys" / "store.key",
        tmp_path / "admin.token",
    )
    variables = {
        "GWCTL_DB_URL": f"sqlite:///{database}",
        "GWCTL_HOST": "127.0.0.2",  # not the default 127.0.0.1: only the variable says so
        "GWCTL_PORT": str(port),
        "GWCTL_STORE_KEY_FILE": str(key_file),
        "GWCTL_LOG_LEVEL": "debug",
        "GWCTL_LOG_FORMAT": "json",
        "GWCTL_WORKERS": "2",
        "GWCTL_TRUSTED_PROXIES": "127.0.0.0/8",
        "GWCTL_VERIFY_BASE_URLS": "infobip=http://127.0.0.1:9",
        "GWCTL_INIT": "1",
        "GWCTL_INIT_TOKEN_FILE": str(token_file),
        "GWCTL_METRICS_TOKEN": METRICS_TOKEN,
        "GWCTL_METRICS_PORT": str(metrics_port),
        "GWCTL_METRICS_HOST": "127.0.0.2",
    }
    assert set(variables) == {option.env for option in OPTIONS}  # a new setting needs a check

    served = launch(
        entry_point(entry, tmp_path), f"http://127.0.0.2:{port}", tmp_path / "run", variables
    )
    try:
        token = token_file.read_text().strip()
        listed = served.get("/api/v1/gateways", headers={"Authorization": f"Bearer {token}"})
        on_main_port = served.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        forwarded = served.get("/readyz", headers={"X-Forwarded-For": "203.0.113.9"})
        wait_for(lambda: "203.0.113.9" in served.stdout(), "the forwarded request's log line")
        wait_for(lambda: len(_started_workers(served.stderr().splitlines())) == 2, "2 workers")
        scrape = httpx.get(
            f"http://127.0.0.2:{metrics_port}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=30,
        )
    finally:
        served.stop()

    assert scrape.status_code == 200  # METRICS_TOKEN, METRICS_PORT, METRICS_HOST
    assert 'route="/api/v1/gateways",status="200"} 1.0' in scrape.text  # summed over workers
    assert on_main_port.status_code == 404
    assert METRICS_TOKEN not in served.stdout() + served.stderr()
    assert listed.status_code == 200  # DB_URL, HOST, PORT, INIT, INIT_TOKEN_FILE
    assert forwarded.json() == {"status": "ready", "reason": None}
    assert database.is_file()
    assert key_file.is_file()
    assert token_file.stat().st_mode & 0o777 == 0o600
    app_lines, access_lines = served.json_lines("stderr"), served.json_lines("stdout")  # FORMAT
    assert any(line["level"] == "debug" for line in app_lines)  # LOG_LEVEL
    assert {"path": "/readyz", "client": "203.0.113.9"}.items() <= access_lines[-1].items()
    messages = [line["message"] for line in app_lines]
    assert "Test connection of infobip gateways goes to http://127.0.0.1:9" in messages
    assert len(_started_workers(messages)) == 2  # WORKERS


def test_two_workers_serve_one_database_migrated_once(
    server_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        *entry_point("gwctl serve", tmp_path),
        *("--db", server_database_url, "--port", str(port), "--workers", "2", "--init"),
        *("--key-file", str(tmp_path / "store.key")),
    ]
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run")
    try:
        wait_for(lambda: len(_started_workers(served.stderr().splitlines())) == 2, "2 workers")
        answers = [served.get("/readyz").status_code for _ in range(20)]
    finally:
        served.stop()

    assert answers == [200] * 20
    assert served.stderr().count("Running upgrade 0004 -> 0005") == 1


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """An empty PostgreSQL database (trust authentication: any password is accepted)."""
    yield from fresh_database("postgresql")


def test_a_database_password_in_GWCTL_DB_URL_is_in_no_log_line(
    postgresql_url: str, tmp_path: Path
) -> None:
    url = make_url(postgresql_url).set(password=CANARY).render_as_string(hide_password=False)
    port = free_port()
    command = [*entry_point("python -m gwctl.store.server", tmp_path), "--init"]
    variables = {"GWCTL_DB_URL": url, "GWCTL_PORT": str(port), "GWCTL_LOG_LEVEL": "debug"}
    variables["GWCTL_STORE_KEY_FILE"] = str(tmp_path / "store.key")
    served = launch(command, f"http://127.0.0.1:{port}", tmp_path / "run", variables)
    try:
        assert served.get("/readyz").status_code == 200
        assert served.get("/api/v1/gateways").status_code == 401
        assert served.get("/no-such-page").status_code == 404
    finally:
        served.stop()

    assert f"postgresql+psycopg://postgres:***@{make_url(url).host}" in served.stderr()
    assert CANARY not in served.stdout() + served.stderr()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_database_that_does_not_answer_is_named_with_its_password_masked(
    entry: str, tmp_path: Path
) -> None:
    url = f"postgresql+psycopg://gwctl:{CANARY}@127.0.0.1:{free_port()}/gwctl"
    completed = subprocess.run(
        [*entry_point(entry, tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
        env=store_environ({"GWCTL_DB_URL": url, "GWCTL_STORE_KEY_FILE": str(tmp_path / "k")}),
        check=False,
    )

    assert completed.returncode != 0
    assert "error: the database postgresql+psycopg://gwctl:***@127.0.0.1:" in completed.stderr
    assert "does not answer" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert CANARY not in completed.stdout + completed.stderr
