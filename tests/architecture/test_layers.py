"""The folders are the architecture: import-linter's contracts (pyproject.toml) hold, and a
change that breaks one fails the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with this repository's contracts over the `gwctl` under source_root."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(REPO_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=source_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_gwctl(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO_ROOT / "gwctl",
        tmp_path / "gwctl",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def test_every_layer_imports_only_the_layers_below_it() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("store/service.py", "gwctl.config.loader"),
        ("core/model.py", "gwctl.reconcile.plan"),
        ("config/loader.py", "gwctl.remote.client"),
        ("reconcile/plan.py", "gwctl.cli.main"),
        ("errors.py", "gwctl.core.model"),
    ],
)
def test_an_import_against_the_layers_breaks_a_contract(
    copy_of_gwctl: Path, module: str, forbidden: str
) -> None:
    path = copy_of_gwctl / "gwctl" / module
    path.write_text(path.read_text() + f"\nimport {forbidden}  # noqa\n")
    result = lint_imports(copy_of_gwctl)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
