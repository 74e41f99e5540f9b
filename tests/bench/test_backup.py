"""The backup bench (bench/backup.py), run small: it backs up a real SQLite store, restores
it into SQLite and PostgreSQL, and reports every figure beside SQLite's own copy."""

from __future__ import annotations

from pathlib import Path

from bench.backup import backup_benchmark, summary


def test_the_backup_bench_times_backup_and_both_restores_beside_a_plain_copy(
    tmp_path: Path,
) -> None:
    result = backup_benchmark(tmp_path, accounts=20)
    assert (result["gateways"], result["audit_entries"]) == (20, 20)  # one entry a gateway
    for figure in ("backup_s", "restore_sqlite_s", "sqlite_copy_s"):
        assert result[figure] >= 0
    assert "SQLite's own copy of the file" in summary(result)
    if result["restore_postgresql_s"] is None:  # no PostgreSQL here: said so in the summary
        assert "skipped (server not reachable)" in summary(result)
