"""The concurrency bench (bench/concurrency.py), run small and short: its clients really work
against a real server, and one failed request fails it."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from bench.concurrency import (
    OPERATIONS,
    BenchFailed,
    concurrency_benchmark,
    markdown,
    require_no_errors,
    run_clients,
    seed,
    summary,
)
from tests.support.servers import start_server
from tests.support.store_api import make_tokens


def test_eight_clients_list_and_write_without_errors_on_sqlite_and_postgresql(
    tmp_path: Path,
) -> None:
    result = concurrency_benchmark(tmp_path, dict(os.environ), gateways=40, clients=8, seconds=2.0)
    assert [run["database"] for run in result["runs"]] == ["sqlite", "postgresql"]
    for run in result["runs"]:
        if "skipped" in run:  # no PostgreSQL here: said so, not silently left out
            assert run["database"] == "postgresql"
            continue
        assert run["errors"] == []
        assert run["server_requests"] == run["client_requests"]  # /metrics counted them all
        for operation in OPERATIONS:
            figures = run["operations"][operation]
            assert figures["count"] > 0
            assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert "8 concurrent API clients on 40 gateways" in summary(result)
    assert "| sqlite | changeset |" in markdown(result)


def test_a_failed_request_fails_the_bench(tmp_path: Path) -> None:
    """A lock held by someone else refuses every write: the bench reports and fails, it does
    not publish figures of a store that refused its work."""
    database, key_file = f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "store.key"
    token, _reader = make_tokens(database, key_file)
    server = start_server(database, key_file, tmp_path / "server.log")
    try:
        owned = seed(server.base_url, token, gateways=16, clients=2)
        held = httpx.post(
            f"{server.base_url}/api/v1/lock",
            json={"holder": "someone-else", "ttl_seconds": 600},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert held.status_code == 201
        tally, _elapsed = run_clients(server.base_url, token, owned, seconds=0.5)
    finally:
        server.stop()
    assert tally.latencies["list"]  # reads still work
    assert tally.errors
    with pytest.raises(BenchFailed, match="lock_held"):
        require_no_errors([{"database": "sqlite", "errors": tally.errors}])
