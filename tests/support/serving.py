"""Served stores started as an operator starts them: `gwctl serve` or `python -m
gwctl.store.server`, configured by flags and environment, with their stdout (the access log)
and stderr (the app log) kept apart in files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ENTRY_POINTS = ("gwctl serve", "python -m gwctl.store.server")


def entry_point(name: str, root: Path) -> list[str]:
    """The command of entry point `name`; `gwctl serve` runs in the config repository `root`."""
    if name == "gwctl serve":
        return [sys.executable, "-m", "gwctl", "-C", str(root), "serve"]
    return [sys.executable, "-m", "gwctl.store.server"]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Served:
    """A running store process and where its two streams go."""

    process: subprocess.Popen[bytes]
    base_url: str
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def json_lines(self, stream: str) -> list[dict[str, Any]]:
        """Every line of `stream` ("stdout" | "stderr") parsed as one JSON object."""
        text = self.stdout() if stream == "stdout" else self.stderr()
        return [json.loads(line) for line in text.splitlines()]

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base_url}{path}", timeout=30, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def store_environ(variables: Mapping[str, str]) -> dict[str, str]:
    """The test process's environment without any GWCTL_* setting of its own, plus
    `variables`."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("GWCTL_")}
    return {**clean, "PYTHONUNBUFFERED": "1", **variables}


def launch(
    command: Sequence[str], base_url: str, logs: Path, variables: Mapping[str, str] = {}
) -> Served:
    """Start `command` with `variables` and wait until `base_url`/livez answers (fail with the
    process's output if it exits first)."""
    logs.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = logs / "stdout.log", logs / "stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            list(command), stdout=out, stderr=err, env=store_environ(variables), cwd=logs
        )
    served = Served(process, base_url, stdout_path, stderr_path)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the store exited with {process.returncode}:\n{served.stderr()}")
        try:
            return served.get("/livez").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, f"{base_url}/livez")
    except BaseException:
        served.stop()
        raise
    return served
