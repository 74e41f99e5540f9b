"""An error as a JSON object on stdout, for a command run with `--format json` (like
`terraform -json`): tools that parse stdout get the failure, not nothing. The same text
still goes to stderr for people reading the CI log."""

from __future__ import annotations

import json
import re

from gwctl.cli.output.problems import problem_data
from gwctl.core.problems import ConfigError

FORMAT_VERSION = 1


def error_json(exc: BaseException, message: str, exit_code: int) -> str:
    """`message` is what stderr says; a ConfigError also lists each problem's place."""
    problems = exc.problems if isinstance(exc, ConfigError) else []
    return json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "error": {"message": message, "code": _code(exc), "exit_code": exit_code},
            "problems": [problem_data(p) for p in problems],
        },
        indent=2,
    )


def _code(exc: BaseException) -> str:
    """`StalePlan` → "stale_plan": the error's kind, stable for tools to match."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
