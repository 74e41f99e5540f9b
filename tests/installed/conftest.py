"""gwctl as users get it: built into an sdist and a wheel, installed into a fresh virtualenv
outside this checkout, with its runtime dependencies only."""

from __future__ import annotations

import sys

import pytest

from tests.support.distribution import Distribution, run_or_fail
from tests.support.paths import REPO_ROOT


@pytest.fixture(scope="session")
def distribution(tmp_path_factory: pytest.TempPathFactory) -> Distribution:
    """`python -m build` (the sdist, then the wheel built from it, as an index user gets it),
    and `pip install` of the wheel alone into a new virtualenv in a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    run_or_fail(sys.executable, "-m", "build", "--outdir", out, REPO_ROOT)
    (sdist,) = out.glob("gwctl-*.tar.gz")
    (wheel,) = out.glob("gwctl-*.whl")
    venv = tmp_path_factory.mktemp("user-venv")
    run_or_fail(sys.executable, "-m", "venv", venv)
    run_or_fail(venv / "bin" / "pip", "install", "--quiet", wheel)
    return Distribution(sdist, wheel, venv)
