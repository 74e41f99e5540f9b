"""8 concurrent API clients on a store of 10,000 gateways, through a real uvicorn server.

What CI pipelines and people do at once: each client walks the Available Gateways list page
by page (`GET /api/v1/gateways?limit=100`, following next_cursor, from the start again at the
end), edits one of its own gateways with `PUT` and `If-Match` (as the web page and API
scripts do), and applies a changeset of 10 updates of its own gateways with `if_version`
and an Idempotency-Key (as `gwctl apply` does), in turn, for 30 s. No two clients write the
same gateway, so every request must succeed: one error (a status other than the expected, or
a transport error) fails the bench. Reported per operation: count, throughput, p50 and p99
latency as the client saw them, on SQLite (a file) and on PostgreSQL when reachable
(GWCTL_BENCH_POSTGRES_URL, default postgres@127.0.0.1:5432). The server's own /metrics count
of the requests is checked against the clients'.

python -m bench.concurrency [--seconds 30] [--gateways 10000] [--clients 8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.scratch_db import scratch_postgres
from gwctl.store.server import create_admin_token

GATEWAYS = 10_000
CLIENTS = 8
SECONDS = 30.0
PAGE = 100
BATCH = 10  # updates in one changeset
SEED_BATCH = 500  # creates in one seeding changeset
OPERATIONS = ("list", "update", "changeset")
METRICS_TOKEN = secrets.token_urlsafe(24)


class BenchFailed(SystemExit):
    """The bench saw errors: its figures would describe a store that did not work."""


@dataclass
class Tally:
    """One client's (or all clients') latencies per operation and errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {o: [] for o in OPERATIONS})
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for operation, times in other.latencies.items():
            self.latencies[operation] += times
        self.errors += other.errors


def concurrency_benchmark(
    work: Path,
    env: dict[str, str],
    *,
    gateways: int = GATEWAYS,
    clients: int = CLIENTS,
    seconds: float = SECONDS,
    databases: Sequence[str] = ("sqlite", "postgresql"),
) -> dict[str, Any]:
    """Run the clients on each database; BenchFailed if any request failed."""
    root = work / "concurrency"
    runs = []
    for kind in databases:
        with _database(kind, root) as url:
            if url is None:
                runs.append({"database": kind, "skipped": "not reachable"})
                continue
            runs.append(_run(kind, url, root / kind, env, gateways, clients, seconds))
    require_no_errors(runs)
    return {"gateways": gateways, "clients": clients, "seconds": seconds, "runs": runs}


def require_no_errors(runs: Sequence[dict[str, Any]]) -> None:
    """BenchFailed naming the first failures, if any run had one."""
    failed = [f"{r['database']}: {e}" for r in runs for e in r.get("errors", [])]
    if failed:
        raise BenchFailed(
            f"the concurrency bench saw {len(failed)} failed requests (first ones):\n"
            + "\n".join(failed[:10])
        )


def _run(
    kind: str,
    url: str,
    directory: Path,
    env: dict[str, str],
    gateways: int,
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "store.key"
    token = create_admin_token(url, "bench", key_file=key_file)
    with _server(url, key_file, directory / "server.log", env) as base_url:
        started = time.perf_counter()
        owned = seed(base_url, token, gateways, clients)
        seed_s = time.perf_counter() - started
        before = _served(base_url)
        tally, elapsed = run_clients(base_url, token, owned, seconds)
        server_requests = _served(base_url) - before
    sent = sum(len(times) for times in tally.latencies.values()) + len(tally.errors)
    if server_requests != sent:  # /metrics under load must count what was served
        tally.errors.append(f"/metrics counted {server_requests} requests; clients sent {sent}")
    return {
        "database": kind,
        "seed_s": round(seed_s, 2),
        "elapsed_s": round(elapsed, 2),
        "operations": {op: _figures(times, elapsed) for op, times in tally.latencies.items()},
        "errors": tally.errors,
        "client_requests": sent,
        "server_requests": server_requests,
    }


def seed(base_url: str, token: str, gateways: int, clients: int) -> list[list[str]]:
    """Create the gateways in changesets of SEED_BATCH; the keys each client owns."""
    keys = [f"bench-{n:05d}" for n in range(gateways)]
    with _client(base_url, token) as client:
        for start in range(0, gateways, SEED_BATCH):
            batch = keys[start : start + SEED_BATCH]
            operations = [{"op": "create", "gateway": _gateway(key)} for key in batch]
            client.post(
                "/api/v1/changesets",
                json={"operations": operations},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ).raise_for_status()
    return [keys[index::clients] for index in range(clients)]


def run_clients(
    base_url: str, token: str, owned: list[list[str]], seconds: float
) -> tuple[Tally, float]:
    """Each client (a thread with its own connection) runs its turn of operations on its own
    gateways until `seconds` have passed; all their latencies and errors, and the time."""
    tallies = [Tally() for _ in owned]
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_client_loop, args=(base_url, token, keys, deadline, tally))
        for keys, tally in zip(owned, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total, elapsed


def _client_loop(base_url: str, token: str, keys: list[str], deadline: float, tally: Tally) -> None:
    versions = dict.fromkeys(keys, 1)
    cursor: str | None = None
    turn = 0
    with _client(base_url, token) as client:
        while turn < len(OPERATIONS) or time.monotonic() < deadline:  # each at least once
            operation = OPERATIONS[turn % len(OPERATIONS)]
            started = time.perf_counter()
            try:
                if operation == "list":
                    cursor = _list(client, cursor)
                elif operation == "update":
                    _update(client, keys[turn % len(keys)], versions, turn)
                else:
                    _changeset(
                        client, [keys[(turn + n) % len(keys)] for n in range(BATCH)], versions, turn
                    )
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                tally.errors.append(f"{operation}: {_reason(exc)}")
            else:
                tally.latencies[operation].append(time.perf_counter() - started)
            turn += 1


def _list(client: httpx.Client, cursor: str | None) -> str | None:
    params: dict[str, Any] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
    response = client.get("/api/v1/gateways", params=params)
    response.raise_for_status()
    page = response.json()
    if len(page["items"]) == 0:
        raise ValueError("an empty page of a store full of gateways")
    next_cursor: str | None = page["next_cursor"]
    return next_cursor


def _update(client: httpx.Client, key: str, versions: dict[str, int], turn: int) -> None:
    response = client.put(
        f"/api/v1/gateways/{key}",
        json=_gateway(key, description=f"edited in turn {turn}", credentials=False),
        headers={"If-Match": str(versions[key])},
    )
    response.raise_for_status()
    versions[key] = response.json()["version"]


def _changeset(client: httpx.Client, keys: list[str], versions: dict[str, int], turn: int) -> None:
    unique = list(dict.fromkeys(keys))  # a client owning fewer than BATCH keys
    operations = [
        {
            "op": "update",
            "key": key,
            "if_version": versions[key],
            "gateway": _gateway(key, description=f"applied in turn {turn}", credentials=False),
        }
        for key in unique
    ]
    response = client.post(
        "/api/v1/changesets",
        json={"operations": operations},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    response.raise_for_status()
    for result in response.json()["results"]:
        versions[result["key"]] = result["version"]


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} {exc.response.text[:200]}"
    return f"{type(exc).__name__}: {exc}"[:300]


def _gateway(key: str, description: str = "bench", *, credentials: bool = True) -> dict[str, Any]:
    number = key.rsplit("-", 1)[1]
    body: dict[str, Any] = {
        "key": key,
        "provider": "infobip",
        "name": f"Bench {number}",
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "description": description,
        "managed_by": "gwctl",
    }
    if credentials:
        body["credentials"] = {"api_key": f"api-{number}-key", "secret_key": f"secret-{number}"}
    return body


def _figures(times: list[float], elapsed: float) -> dict[str, Any]:
    ordered = sorted(times)

    def percentile(share: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)

    return {
        "count": len(ordered),
        "per_s": round(len(ordered) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
    }


def summary(result: dict[str, Any]) -> str:
    lines = [
        f"{result['clients']} concurrent API clients on {result['gateways']:,} gateways for "
        f"{result['seconds']:g} s (zero errors):"
    ]
    for run in result["runs"]:
        if "skipped" in run:
            lines.append(f"  {run['database']}: skipped ({run['skipped']})")
            continue
        figures = ", ".join(
            f"{op} {f['count']} ({f['per_s']}/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms)"
            for op, f in run["operations"].items()
        )
        lines.append(f"  {run['database']}: {figures}; seeded in {run['seed_s']} s")
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (bench/report.py)."""
    lines = [
        f"{result['clients']} concurrent API clients, {result['gateways']:,} gateways, "
        f"{result['seconds']:g} s, zero errors:",
        "",
        "| database | operation | count | per s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for run in result["runs"]:
        for op, f in run.get("operations", {}).items():
            lines.append(
                f"| {run['database']} | {op} | {f['count']:,} | {f['per_s']} | "
                f"{f['p50_ms']} | {f['p99_ms']} |"
            )
    return "\n".join(lines)


@contextlib.contextmanager
def _database(kind: str, root: Path) -> Iterator[str | None]:
    """A fresh database of `kind` (dropped afterwards), or None if its server is down."""
    if kind == "sqlite":
        (root / "sqlite").mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{root / 'sqlite' / 'store.sqlite3'}"
        return
    with scratch_postgres("gwctl_bench") as url:
        yield url


@contextlib.contextmanager
def _server(url: str, key_file: Path, log_path: Path, env: dict[str, str]) -> Iterator[str]:
    from bench.run import _free_port, _wait_healthy

    port = _free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gwctl.store.server", "--db", url),
                *("--port", str(port), "--key-file", str(key_file), "--log-level", "warning"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "GWCTL_METRICS_TOKEN": METRICS_TOKEN},
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, server)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=120,
        headers={"Authorization": f"Bearer {token}", "X-Gwctl-Actor": "bench"},
    )


def _served(base_url: str) -> int:
    """Requests the server counted under /api/v1/gateways and /changesets (its /metrics)."""
    from prometheus_client.parser import text_string_to_metric_families

    response = httpx.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    response.raise_for_status()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
            if sample.name == "gwctl_http_requests_total"
            and sample.labels["route"].startswith(("/api/v1/gateways", "/api/v1/changesets"))
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--gateways", type=int, default=GATEWAYS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gwctl-bench-") as work:
        result = concurrency_benchmark(
            Path(work),
            dict(os.environ),
            gateways=args.gateways,
            clients=args.clients,
            seconds=args.seconds,
        )
    print(summary(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
