"""gwctl as users get it: built into an sdist and a wheel, installed into a fresh virtualenv
outside this checkout, with its runtime dependencies only."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


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


def _run(*command: str | Path, cwd: Path | None = None) -> None:
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


@pytest.fixture(scope="session")
def distribution(tmp_path_factory: pytest.TempPathFactory) -> Distribution:
    """`python -m build` (the sdist, then the wheel built from it, as an index user gets it),
    and `pip install` of the wheel alone into a new virtualenv in a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, REPO_ROOT)
    (sdist,) = out.glob("gwctl-*.tar.gz")
    (wheel,) = out.glob("gwctl-*.whl")
    venv = tmp_path_factory.mktemp("user-venv")
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "pip", "install", "--quiet", wheel)
    return Distribution(sdist, wheel, venv)
