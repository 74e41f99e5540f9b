"""The benchmark driver: sizes × (embedded store, uvicorn server, naive reference) × steps."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench import audit_log, backup, concurrency, generate, table_page, verify
from bench.measure import Measured, run

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
BIN = Path(sys.executable).parent
GWCTL = str(BIN / "gwctl")
STEPS = ("validate", "cold plan", "apply", "no-op plan", "changed plan")


@dataclass
class Row:
    size: int
    step: str
    runner: str  # embedded | remote | naive
    wall_s: float | None
    peak_rss_mb: float | None = None
    cpu_s: float | None = None
    estimated: bool = False
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="100,1000,10000",
        help="comma-separated account counts (default 100,1000,10000; a quick run: 100,1000)",
    )
    parser.add_argument(
        "--skip-remote",
        action="store_true",
        help="only the embedded store (no uvicorn server, no naive reference)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the work directory (config copies, databases) and print it",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        default=1000,
        help="run the naive reference up to this size; larger sizes are "
        "extrapolated linearly from the largest run (default 1000)",
    )
    parser.add_argument(
        "--cold-plan-max",
        type=int,
        default=1000,
        help="run the standalone cold plan up to this size; above it the "
        "cold plan is skipped (apply, which includes one, still runs)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="run gwctl's no-op and changed plans this many times and keep "
        "the fastest (the machine may be shared; default 3)",
    )
    parser.add_argument(
        "--concurrency-seconds",
        type=float,
        default=concurrency.SECONDS,
        help="how long the 8 concurrent API clients run (default 30; bench/concurrency.py)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    cache = RESULTS / ".cache"
    key_file, _recipient = generate.age_identity(cache)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GWCTL_", "SOPS_")) and k != "NO_COLOR"
    }
    env.update(SOPS_AGE_KEY_FILE=str(key_file), NO_COLOR="1")
    started = time.perf_counter()
    pool = generate.ensure_pool(cache, max(*sizes, verify.ACCOUNTS), env, log=_log)
    _log(f"pool ready in {time.perf_counter() - started:.0f} s")
    run([GWCTL, "--version"], env)  # warm the bytecode caches
    work = Path(tempfile.mkdtemp(prefix="gwctl-bench-"))
    rows: list[Row] = []
    store_list: dict[str, Any] = {}
    try:
        for size in sizes:
            rows += _size(size, pool, work, env, args, store_list if size == max(sizes) else None)
        _estimate_naive(rows, sizes)
        verified = verify.verify_benchmark(pool, work, env, GWCTL)
        _log(verify.summary(verified))
        audited = audit_log.audit_benchmark(work, env, GWCTL)
        _log(audit_log.summary(audited))
        backed_up = backup.backup_benchmark(work)
        _log(backup.summary(backed_up))
        tabled = table_page.table_page_benchmark(work / "table")
        _log(table_page.summary(tabled))
        concurrent = concurrency.concurrency_benchmark(work, env, seconds=args.concurrency_seconds)
        _log(concurrency.summary(concurrent))
    finally:
        if args.keep:
            _log(f"kept the work directory {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    host = machine()
    report = {
        "machine": host,
        "sizes": sizes,
        "rows": [asdict(r) for r in rows],
        "store_list": store_list,
        "verify": verified,
        "audit_verify": audited,
        "backup": backed_up,
        "table_page": tabled,
        "concurrency": concurrent,
        "total_s": round(time.perf_counter() - started, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(table(rows, sizes))
    if store_list:
        print(
            f"\nstore lists {store_list['accounts']} accounts (all pages of 1000, HTTP): "
            f"{store_list['best_s']:.3f} s best of {store_list['repeats']} "
            f"(first {store_list['first_s']:.3f} s)"
        )
    print(f"\n{verify.summary(verified)}")
    print(f"\n{audit_log.summary(audited)}")
    print(f"\n{backup.summary(backed_up)}")
    print(f"\n{table_page.summary(tabled)}")
    print(f"\n{concurrency.summary(concurrent)}")
    print(f"\nmachine: {host['summary']}; total {report['total_s']} s; JSON: {args.output}")


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _size(
    size: int,
    pool: Path,
    work: Path,
    env: dict[str, str],
    args: argparse.Namespace,
    store_list: dict[str, Any] | None,
) -> list[Row]:
    base = generate.config_dir(pool, work / f"n{size}" / "base", size)
    rows = [_gwctl(size, "validate", "embedded", ["validate", str(base)], env, base)]
    rows[0].runner = "gwctl"
    runners = ["embedded"] if args.skip_remote else ["embedded", "remote", "naive"]
    for runner in runners:
        if runner == "naive" and size > args.naive_max:
            continue
        directory = work / f"n{size}" / runner
        config = directory / "config"
        shutil.copytree(base, config)
        with _store(runner, directory, env) as run_env:
            if runner == "naive":
                rows.append(_naive(size, "validate", config, run_env))
            if size <= args.cold_plan_max:
                rows.append(_plan(size, "cold plan", runner, config, run_env, expect=2))
            else:
                rows.append(
                    Row(
                        size,
                        "cold plan",
                        runner,
                        None,
                        note=f"skipped above {args.cold_plan_max} (apply includes it)",
                    )
                )
            rows.append(_apply(size, runner, config, run_env))
            fresh = directory / "fresh-copy"
            shutil.copytree(config, fresh)  # embedded: .gwctl/ is the store itself, copied
            repeat = 1 if runner == "naive" else args.repeat  # naive: ~1 min a run at 1,000
            rows.append(
                _best(repeat, partial(_plan, size, "no-op plan", runner, fresh, run_env, expect=0))
            )
            generate.change_one_account_and_one_secret(fresh, env)
            rows.append(
                _best(
                    repeat, partial(_plan, size, "changed plan", runner, fresh, run_env, expect=2)
                )
            )
            if runner == "remote" and store_list is not None:
                store_list.update(_time_listing(run_env, size))
        _log(f"N={size} {runner}: done")
    return rows


def _best(repeat: int, once: Callable[[], Row]) -> Row:
    """The fastest of `repeat` runs (a plan changes nothing, so each run is the same)."""
    runs = [once() for _ in range(max(1, repeat))]
    best = min(runs, key=lambda row: row.wall_s or 0.0)
    best.detail = {**best.detail, "runs_s": [round(row.wall_s or 0.0, 3) for row in runs]}
    return best


def _plan(size: int, step: str, runner: str, config: Path, env: dict[str, str], expect: int) -> Row:
    if runner == "naive":
        return _naive(size, step, config, env)
    row = _gwctl(
        size,
        step,
        runner,
        ["-C", str(config), "plan", "--format", "json", "--detailed-exitcode"],
        env,
        config,
        expect=expect,
    )
    return row


def _apply(size: int, runner: str, config: Path, env: dict[str, str]) -> Row:
    if runner == "naive":
        return _naive(size, "apply", config, env)
    return _gwctl(
        size, "apply", runner, ["-C", str(config), "apply", "--auto-approve"], env, config
    )


def _gwctl(
    size: int,
    step: str,
    runner: str,
    argv: list[str],
    env: dict[str, str],
    config: Path,
    expect: int = 0,
) -> Row:
    measured = run([GWCTL, *argv], env)
    _check(measured, expect, f"gwctl {' '.join(argv)}")
    detail: dict[str, Any] = {}
    if "--format" in argv:
        detail = json.loads(measured.stdout)["summary"]
        _check_summary(size, step, detail)
    _log(
        f"N={size} {runner:8} {step:12} {measured.wall_s:8.2f} s "
        f"{measured.peak_rss_mb:6.0f} MB {detail or ''}"
    )
    return Row(
        size, step, runner, measured.wall_s, measured.peak_rss_mb, measured.cpu_s, detail=detail
    )


def _naive(size: int, step: str, config: Path, env: dict[str, str]) -> Row:
    command = "validate" if step == "validate" else "apply" if step == "apply" else "plan"
    argv = [sys.executable, "-m", "bench.naive", command, str(config)]
    if command != "validate":
        argv += ["--url", env["GWCTL_STORE_URL"], "--token", env["GWCTL_TOKEN"]]
    measured = run(argv, env, cwd=str(REPO))
    _check(measured, 0, " ".join(argv[1:4]))
    detail = json.loads(measured.stdout)
    _log(
        f"N={size} naive    {step:12} {measured.wall_s:8.2f} s "
        f"{measured.peak_rss_mb:6.0f} MB {detail}"
    )
    return Row(
        size, step, "naive", measured.wall_s, measured.peak_rss_mb, measured.cpu_s, detail=detail
    )


def _check(measured: Measured, expect: int, what: str) -> None:
    if measured.returncode != expect:
        raise SystemExit(
            f"{what}: exit {measured.returncode}, expected {expect}\n"
            f"{measured.stderr.decode()[-2000:]}"
        )


def _check_summary(size: int, step: str, summary: dict[str, int]) -> None:
    wanted = {
        "cold plan": {"create": size},
        "no-op plan": {"unchanged": size},
        "changed plan": {"update": 2, "unchanged": size - 2},
    }.get(step, {})
    wrong = {k: summary.get(k) for k, v in wanted.items() if summary.get(k) != v}
    if wrong:
        raise SystemExit(f"N={size} {step}: unexpected plan summary {summary}")


@contextlib.contextmanager
def _store(runner: str, directory: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment gwctl runs in: the embedded store, or a fresh uvicorn server."""
    if runner == "embedded":
        yield env
        return
    database = f"sqlite:///{directory / 'store.sqlite3'}"
    # In a child process: importing the store here would raise this driver's RSS, and
    # every later child's ru_maxrss starts from its parent's RSS at fork.
    created = subprocess.run(
        [GWCTL, "store", "token", "create", "bench", "--role", "admin", "--db", database],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = created.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = (directory / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gwctl.store.server",
            "--db",
            database,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield {**env, "GWCTL_STORE_URL": url, "GWCTL_TOKEN": token}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the store server exited at start-up (see server.log)")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit("the store server did not become healthy within 30 s")


def _time_listing(env: dict[str, str], size: int, repeats: int = 5) -> dict[str, Any]:
    import httpx

    times = []
    with httpx.Client(
        base_url=env["GWCTL_STORE_URL"],
        timeout=60,
        headers={"Authorization": f"Bearer {env['GWCTL_TOKEN']}"},
    ) as client:
        for _ in range(repeats):
            start = time.perf_counter()
            count, cursor = 0, None
            while True:
                params: dict[str, Any] = {"limit": 1000}
                if cursor:
                    params["cursor"] = cursor
                page = client.get("/api/v1/gateways", params=params).json()
                count += len(page["items"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            times.append(time.perf_counter() - start)
    if count != size:
        raise SystemExit(f"listing returned {count} accounts, expected {size}")
    return {"accounts": count, "first_s": times[0], "best_s": min(times), "repeats": repeats}


def _estimate_naive(rows: list[Row], sizes: list[int]) -> None:
    """Naive figures for sizes above --naive-max: linear from the largest measured size
    (the naive path is a serial loop over accounts, so it is linear by construction)."""
    measured = {(r.size, r.step): r for r in rows if r.runner == "naive" and r.wall_s}
    if not measured:
        return
    largest = max(size for size, _ in measured)
    for size in sizes:
        if any(r.size == size and r.runner == "naive" for r in rows):
            continue
        for step in STEPS:
            source = measured.get((largest, step))
            if source and source.wall_s:
                rows.append(
                    Row(
                        size,
                        step,
                        "naive",
                        source.wall_s * size / largest,
                        estimated=True,
                        note=f"extrapolated from N={largest}",
                    )
                )


def _figure(row: Row | None) -> tuple[str, str]:
    if row is None:
        return "-", "-"
    if row.wall_s is None:
        return "skipped", "-"
    wall = f"{row.wall_s:.2f}" + ("*" if row.estimated else "")
    return wall, f"{row.peak_rss_mb:.0f}" if row.peak_rss_mb else "-"


def table(rows: list[Row], sizes: list[int]) -> str:
    by = {(r.size, r.step, r.runner): r for r in rows}
    header = (
        f"{'N':>6}  {'step':<13}{'embedded s':>11}{'MB':>5}{'remote s':>10}{'MB':>5}"
        f"{'naive s':>10}{'naive/emb':>10}{'naive/rem':>10}"
    )
    lines = [header, "-" * len(header)]
    for size in sizes:
        for step in STEPS:
            naive = by.get((size, step, "naive"))
            if step == "validate":
                emb, rem = by.get((size, step, "gwctl")), None
            else:
                emb, rem = by.get((size, step, "embedded")), by.get((size, step, "remote"))
            cells = [*_figure(emb), *_figure(rem), _figure(naive)[0]]
            ratios = [_ratio(naive, r) for r in (emb, rem)]
            lines.append(
                f"{size:>6}  {step:<13}{cells[0]:>11}{cells[1]:>5}{cells[2]:>10}"
                f"{cells[3]:>5}{cells[4]:>10}{ratios[0]:>10}{ratios[1]:>10}"
            )
    lines.append(
        "(s: wall seconds of the gwctl process; MB: its peak RSS; naive/x: how many "
        "times faster than the naive reference; * extrapolated; no-op and changed "
        "plans: best of --repeat runs)"
    )
    return "\n".join(lines)


def _ratio(naive: Row | None, row: Row | None) -> str:
    if naive is None or row is None or not naive.wall_s or not row.wall_s:
        return "-"
    return f"{naive.wall_s / row.wall_s:.1f}x"


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = os.cpu_count()
    sops = (
        subprocess.run(
            [generate.sops_binary_path(), "--version"], capture_output=True, text=True, check=False
        )
        .stdout.split("\n")[0]
        .strip()
    )
    python = platform.python_version()
    return {
        "nproc": cores,
        "cpu": model,
        "python": python,
        "sops": sops,
        "summary": f"{cores} cores, {model}, Python {python}, {sops}",
    }
