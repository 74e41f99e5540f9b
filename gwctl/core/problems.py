"""Problems found in a config directory, each with the file, line and column it is about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gwctl.errors import GwctlError

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
# Worth knowing, but the configuration is still valid: it fails neither validate nor CI.
WARNING: Severity = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the configuration, located for the person who must fix it.

    `file` is the path as the user sees it (relative to the config root, with `/`);
    `line` and `column` are 1-based. Messages never quote a credential value.
    Only errors make a configuration invalid; warnings are reported and nothing more.
    """

    file: str
    line: int
    column: int
    message: str
    code: str = "invalid"
    severity: Severity = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        text = self.message if self.is_error else f"{self.severity}: {self.message}"
        if self.line == 0:  # about a directory or a file as a whole, not a place in it
            return f"{self.file}: {text}"
        return f"{self.file}:{self.line}:{self.column}: {text}"


class ConfigError(GwctlError):
    """Raised when input cannot be used; carries every problem found, never a secret."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
