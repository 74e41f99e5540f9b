"""The table-page bench (bench/table_page.py), run small: it signs in as a user the way
people do, gets the real table back for every request it times, and reports a verdict."""

from __future__ import annotations

from pathlib import Path

from bench.table_page import requests_of, summary, table_page_benchmark


def test_the_table_page_bench_times_every_request_on_sqlite_and_postgresql(
    tmp_path: Path,
) -> None:
    result = table_page_benchmark(tmp_path, gateways=60)
    assert list(result["databases"]) == ["sqlite", "postgresql"]
    for kind, figures in result["databases"].items():
        if figures.get("skipped"):  # no PostgreSQL here: said so, not silently left out
            assert kind == "postgresql"
            continue
        assert list(figures["requests"]) == list(requests_of(60))
        assert figures["baseline_ms"] > 0
        for timed in figures["requests"].values():
            assert 0 < timed["median_ms"] <= timed["p95_ms"]
            assert timed["verdict"] in ("PASS", "FAIL")
            assert timed["bytes"] > 0
            assert "x_baseline" in timed  # side by side with /livez of the same run
    assert "table page at 60 gateways" in summary(result)
