"""The command line stays thin: each command parses, calls one function, prints and picks
the exit code; and loading it loads none of the heavy libraries its commands need."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap

import click
import pytest

from gwctl.cli.main import cli

MAX_BODY_LINES = 20
# What `import gwctl.cli.main` must not load: the commands that need them import them
HEAVY_MODULES = ("httpx", "jsonschema", "starlette", "sqlalchemy", "fastapi", "uvicorn", "PIL")


def _commands(group: click.Group, prefix: str = "gwctl") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(cli)


def body_lines(command: click.Command) -> int:
    """Lines of the callback's body that hold code: no docstring, comment or blank line."""
    assert command.callback is not None
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(command.callback)))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    statements = function.body
    if ast.get_docstring(function) is not None:
        statements = statements[1:]
    lines = source.splitlines()[statements[0].lineno - 1 : statements[-1].end_lineno]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def test_every_command_is_found() -> None:
    names = {path for path, _ in COMMANDS}
    assert {"gwctl plan", "gwctl apply", "gwctl store token list", "gwctl lock status"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_no_command_body_is_longer_than_the_limit(path: str, command: click.Command) -> None:
    lines = body_lines(command)
    assert lines <= MAX_BODY_LINES, (
        f"`{path}` has a body of {lines} lines (limit {MAX_BODY_LINES}): move what it does "
        "into a function of gwctl.reconcile/config/remote and what it prints into cli/output"
    )


def test_loading_the_command_line_loads_no_heavy_library() -> None:
    script = (
        "import sys, gwctl.cli.main\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r})))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    assert completed.stdout.split() == []
