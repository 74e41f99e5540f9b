"""Renders validation problems for people (text), tools (json) and pull requests (github)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gwctl.problems import Problem

FORMATS = ("text", "json", "github")


def render_problems(problems: Sequence[Problem], fmt: str, accounts: int) -> str:
    return {"text": _text, "json": _json, "github": _github}[fmt](problems, accounts)


def _text(problems: Sequence[Problem], accounts: int) -> str:
    if not problems:
        return f"valid: {accounts} account{'s' if accounts != 1 else ''}, no problems"
    files = len({problem.file for problem in problems})
    lines = [str(problem) for problem in problems]
    lines.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} "
                 f"file{'s' if files != 1 else ''}")
    return "\n".join(lines)


def _json(problems: Sequence[Problem], accounts: int) -> str:
    return json.dumps({
        "format_version": 1,
        "valid": not problems,
        "accounts": accounts,
        "problems": [
            {"file": p.file, "line": p.line, "column": p.column, "code": p.code,
             "message": p.message}
            for p in problems
        ],
    }, indent=2, ensure_ascii=False)


def _github(problems: Sequence[Problem], accounts: int) -> str:
    """GitHub Actions workflow commands: each problem becomes an annotation on the file."""
    lines = []
    for p in problems:
        place = f"file={_property(p.file)}"
        if p.line:
            place += f",line={p.line},col={p.column}"
        lines.append(f"::error {place},title=gwctl validate::{_data(p.message)}")
    lines.append(_text(problems, accounts).splitlines()[-1])
    return "\n".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
