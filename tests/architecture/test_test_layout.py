"""The tests are laid out like the code: helpers live in tests/support/, and conftest files
hold fixtures only, so no module under tests/ imports a conftest."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import TESTS


def conftest_imports(path: Path) -> list[str]:
    """`line: module` for each import of a conftest module in the file at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            # `from . import conftest` names the module in the imported names
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any("conftest" in module.split(".") for module in modules):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_under_tests_imports_a_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): imports
        for path in sorted(TESTS.rglob("*.py"))
        if (imports := conftest_imports(path))
    }
    assert offenders == {}, "import helpers from tests.support, not from a conftest"


def test_the_check_sees_each_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import tests.conftest\n"
        "from tests.store.conftest import Api\n"
        "from .conftest import thing\n"
        "from . import conftest\n"
        "from tests.support.cli import invoke\n"
        "from tests.config import test_conftest_like_name\n",
        encoding="utf-8",
    )
    assert [line.split(":")[0] for line in conftest_imports(sample)] == ["1", "2", "3", "4"]
