"""Renders validation problems for people (text), tools (json) and pull requests (github)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gwctl.cli.output.counting import counted
from gwctl.core.problems import Problem

PROBLEM_FORMATS = ("text", "json", "github")  # `gwctl validate --format`


def render_problems(problems: Sequence[Problem], fmt: str, accounts: int) -> str:
    return {"text": _text, "json": _json, "github": _github}[fmt](problems, accounts)


def _text(problems: Sequence[Problem], accounts: int) -> str:
    return "\n".join([*(str(problem) for problem in problems), _summary(problems, accounts)])


def _summary(problems: Sequence[Problem], accounts: int) -> str:
    """The last line: how many errors ("problems") and warnings, or that all is valid."""
    errors = sum(1 for problem in problems if problem.is_error)
    counts = [counted(errors, "problem")] if errors else []
    if len(problems) > errors:
        counts.append(counted(len(problems) - errors, "warning"))
    files = len({problem.file for problem in problems})
    found = f"{' and '.join(counts)} in {counted(files, 'file')}" if problems else "no problems"
    return found if errors else f"valid: {counted(accounts, 'account')}, {found}"


def _json(problems: Sequence[Problem], accounts: int) -> str:
    return json.dumps(
        {
            "format_version": 1,
            "valid": not any(p.is_error for p in problems),
            "accounts": accounts,
            "problems": [problem_data(p) for p in problems],
        },
        indent=2,
        ensure_ascii=False,
    )


def problem_data(problem: Problem) -> dict[str, str | int]:
    """One problem for tools: where it is, its kind and severity, what to do."""
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "code": problem.code,
        "severity": problem.severity,
        "message": problem.message,
    }


def _github(problems: Sequence[Problem], accounts: int) -> str:
    """GitHub Actions workflow commands: each problem becomes an annotation on the file."""
    lines = []
    for p in problems:
        place = f"file={_property(p.file)}"
        if p.line:
            place += f",line={p.line},col={p.column}"
        lines.append(f"::{p.severity} {place},title=gwctl validate::{_data(p.message)}")
    lines.append(_summary(problems, accounts))
    return "\n".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
