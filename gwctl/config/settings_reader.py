"""Reading `gwctl.yaml` strictly: each value has its type and range, each section its keys,
and every problem is collected with its line and column, never coerced (`prune: "false"`
is an error, not `bool("false")`, which is true)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gwctl.config.strict_yaml import Document, Path_
from gwctl.core.problems import Problem

# The rules of schema/gwctl.schema.json, which states each as `^<pattern>$` (the tests hold
# them equal). ASCII classes only: Python's and the editor's (ECMA-262) regular expressions
# read `\s`, `\d` and `$` differently, these mean the same in both.
URL_HOST = r"[A-Za-z0-9._~%!$&'()*+,;=-]+"
URL_PORT_AND_PATH = r"(:[0-9]+)?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?"
STORE_URL = re.compile(rf"https?://({URL_HOST}|\[[0-9A-Fa-f:.]+\]){URL_PORT_AND_PATH}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SettingsReader:
    """Typed look-ups in a loaded gwctl.yaml; `problems` collects what is wrong."""

    def __init__(self, document: Document | None) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def section(
        self, path: Path_, allowed: set[str] | None, hint: Callable[[str], str] | None = None
    ) -> dict[str, Any]:
        """The mapping at `path` ({} when absent or null); keys not `allowed` are problems
        (`allowed` None: any key, e.g. environment names)."""
        value = self._at(path)
        if value is None:
            return {}
        if not isinstance(value, dict):
            wanted = f" with {', '.join(sorted(allowed))}" if allowed else ""
            self._problem(path, f"expected a mapping{wanted}", "type")
            return {}
        if allowed is None:
            return value
        for key in sorted(set(value) - allowed):
            extra = hint(key) if hint else ""
            message = f"unknown setting '{key}'; allowed: {', '.join(sorted(allowed))}{extra}"
            self._problem((*path, key), message, "unknown_field", prefer_key=True)
        return value

    def boolean(self, path: Path_, default: bool) -> bool:
        value = self._at(path)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._problem(path, f"must be true or false, not {_shown(value)}", "type")
            return default
        return value

    def number(self, path: Path_, default: float, low: float, high: float) -> float:
        value = self._at(path)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
            self._problem(path, f"must be a number above {low:g} and at most {high:g}", "type")
            return default
        return float(value)

    def count(self, path: Path_, default: int) -> int:
        value = self._at(path)
        if value is None:
            return default
        # a float with no fraction (10.0) is a whole number, as JSON Schema's "integer" says
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or value < 0:
            self._problem(path, "must be a whole number, 0 or more", "type")
            return default
        return int(value)

    def url(self, path: Path_) -> str | None:
        value = self._at(path)
        if value is None:
            return None
        if not isinstance(value, str) or not STORE_URL.fullmatch(value):
            self._problem(
                path, "must be the store's http(s) URL, e.g. https://gateways.example.com", "type"
            )
            return None
        return value

    def env_name(self, path: Path_, default: str) -> str:
        value = self._at(path)
        if value is None:
            return default
        if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
            self._problem(
                path, "must be the name of an environment variable, e.g. GWCTL_TOKEN", "type"
            )
            return default
        return value

    def present(self, path: Path_) -> bool:
        """Whether the file gives a value (not null) at `path`."""
        return self._at(path) is not None

    def problem(self, path: Path_, message: str, code: str, *, prefer_key: bool = False) -> None:
        self._problem(path, message, code, prefer_key=prefer_key)

    def _problem(self, path: Path_, message: str, code: str, *, prefer_key: bool = False) -> None:
        assert self.document is not None  # only a loaded file has values to complain about
        problem = self.document.problem(path, message, code, prefer_key=prefer_key)
        if problem not in self.problems:  # a section read twice is reported once
            self.problems.append(problem)

    def _at(self, path: Path_) -> Any:
        node: Any = self.document.data if self.document is not None else {}
        for part in path:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node


def _shown(value: Any) -> str:
    return f"the text {value!r}" if isinstance(value, str) else type(value).__name__
