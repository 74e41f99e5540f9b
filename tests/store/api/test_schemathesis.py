"""schemathesis over a real store server with an admin token: every check it has (status
codes, content types, headers, bodies, positive data accepted, negative data rejected,
missing headers, unsupported methods and Allow, authentication, resources after create and
delete) in every phase, the stateful one included. The few rules an OpenAPI document cannot
state are listed, with their reasons, in schemathesis.toml beside this file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.samples import clickatell, infobip, logo_field, png, twilio
from tests.support.servers import Server, start_server
from tests.support.store_api import make_tokens

CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing,stateful"
# ST_EXAMPLES=150 ST_RANDOM=1 pytest tests/store/api/test_schemathesis.py: a longer, random hunt
EXAMPLES = os.environ.get("ST_EXAMPLES", "10")
SEED = None if os.environ.get("ST_RANDOM") else "1"


@pytest.fixture
def seeded_server(
    database_url: str, key_file: Path, tmp_path: Path
) -> Iterator[tuple[Server, str]]:
    """A real server on a fresh store holding a few gateways, and an admin token."""
    admin_token, _read_token = make_tokens(database_url, key_file)
    server = start_server(database_url, key_file, tmp_path / "server.log")
    try:
        headers = {"Authorization": f"Bearer {admin_token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            for body in (infobip(logo=logo_field(png())), twilio(), clickatell()):
                client.post("/api/v1/gateways", json=body).raise_for_status()
        yield server, admin_token
    finally:
        server.stop()


def test_every_check_of_every_phase_passes(
    seeded_server: tuple[Server, str], tmp_path: Path
) -> None:
    server, token = seeded_server
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{server.base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        EXAMPLES,
        "--header",
        f"Authorization: Bearer {token}",
        "--no-color",
        *(["--seed", SEED] if SEED else []),
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=280, check=False
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    phases = report.split("Test Phases:")[1].split("\n\n")[0]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in phases, phases
