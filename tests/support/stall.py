"""Run gwctl in a subprocess that stops for good at a chosen moment, to be SIGKILLed there.

`python -m tests.support.stall MARKER MODULE:FUNCTION:WHEN[:N] gwctl-args...` replaces
MODULE.FUNCTION with a wrapper that, `before` or `after` its N-th call (default: the first),
creates the file MARKER and sleeps until killed. Production code has no hook: a test picks
the moment by naming a function the code under test calls (`stalled_gwctl` below).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.paths import REPO_ROOT


def stalled_gwctl(marker: Path, target: str, *args: str) -> subprocess.Popen[bytes]:
    """Start gwctl with `args`, stalling at `target` ("module:function:before|after[:n]")."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "tests.support.stall", str(marker), target, *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(marker: Path, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Until `process` stalls (its marker exists); fail with its output if it ends first."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(
                f"exited with {process.returncode} before stalling: {out!r} {err!r}"
            )
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"did not reach its stall point within {timeout} s")
        time.sleep(0.01)


def _stall(marker: Path) -> None:
    marker.touch()
    while True:
        time.sleep(3600)


def _wrap(function: Callable[..., Any], marker: Path, when: str, call: int) -> Callable[..., Any]:
    calls = iter(range(1, sys.maxsize))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stall = next(calls) == call
        if stall and when == "before":
            _stall(marker)
        result = function(*args, **kwargs)
        if stall:
            _stall(marker)
        return result

    return wrapper


def main(argv: list[str]) -> None:
    marker, target, *args = argv
    module_name, function_name, when, *call = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, function_name)
    setattr(module, function_name, _wrap(original, Path(marker), when, int(call[0]) if call else 1))
    from gwctl.cli.main import cli

    cli(args, prog_name="gwctl")


if __name__ == "__main__":
    main(sys.argv[1:])
