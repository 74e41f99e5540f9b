"""gwctl as users get it: the built sdist and wheel, and a fresh virtualenv outside this
checkout with the wheel (and its runtime dependencies only) installed."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Distribution:
    """The built sdist and wheel, and a virtualenv with the wheel installed."""

    sdist: Path
    wheel: Path
    venv: Path

    @property
    def gwctl(self) -> Path:
        return self.venv / "bin" / "gwctl"

    def sdist_names(self) -> list[str]:
        with tarfile.open(self.sdist) as archive:
            return archive.getnames()

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.namelist()


def run_or_fail(*command: str | Path, cwd: Path | None = None) -> None:
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} failed:\n{completed.stdout}\n{completed.stderr}"
        )
