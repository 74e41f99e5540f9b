"""The checkout's folders, so no test computes them from its own file's location."""

from __future__ import annotations

from pathlib import Path

SUPPORT = Path(__file__).resolve().parent
TESTS = SUPPORT.parent
REPO_ROOT = TESTS.parent
GWCTL_BIN = REPO_ROOT / ".venv" / "bin" / "gwctl"
FAKE_GH = SUPPORT / "fake_gh.py"
ARTIFACTS = REPO_ROOT / "test-artifacts"
