"""Run one command as a child process: wall time, peak RSS and output."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes
    cpu_s: float = 0.0  # user + system CPU of the child and its children


def run(argv: Sequence[str], env: Mapping[str, str], cwd: str | None = None) -> Measured:
    """Run `argv` to completion; peak RSS is the child's (and its waited-for children's)
    ru_maxrss as reported by wait4, so sops and the Python process are both covered."""
    with open(os.devnull, "rb") as stdin:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
        )
        # read pipes while the child runs (large plans would fill them), then reap with wait4
        stdout, stderr = _drain(process)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        wall,
        usage.ru_maxrss / 1024.0,
        process.returncode,
        stdout,
        stderr,
        usage.ru_utime + usage.ru_stime,
    )


def _drain(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    import threading

    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def pump(stream: object, name: str) -> None:
        assert hasattr(stream, "read")
        while True:
            block = stream.read(65536)
            if not block:
                return
            chunks[name].append(block)

    threads = [
        threading.Thread(target=pump, args=(process.stdout, "out")),
        threading.Thread(target=pump, args=(process.stderr, "err")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return b"".join(chunks["out"]), b"".join(chunks["err"])
