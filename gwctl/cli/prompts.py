"""The terminal side of `gwctl add`: answers from options, environment variables and stdin,
and prompts that check each answer as it is typed (credentials read without echo)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

import click

from gwctl.config.add_account import AddRefused, NewAccount, Question


def given_answers(
    fields: Mapping[str, str | None],
    protect: bool | None,
    credential_env: Sequence[str],
    credentials_stdin: bool,
) -> dict[str, str | bool]:
    """The answers given up front: options, then credentials from the environment or stdin.

    Credentials have no option of their own: a value on the command line would be in the
    shell's history and in every `ps` listing."""
    given: dict[str, str | bool] = {
        name: value for name, value in fields.items() if value is not None
    }
    if protect is not None:
        given["protect"] = protect
    for item in credential_env:
        name, variable = _pair(item, "--credential-env", "FIELD=VARIABLE")
        if variable not in os.environ:
            raise AddRefused(
                f"--credential-env {name}={variable}: the environment variable "
                f"{variable} is not set"
            )
        given[name] = os.environ[variable]
    if credentials_stdin:
        for line in sys.stdin.read().splitlines():
            if line.strip():
                name, value = _pair(line, "--credentials-stdin", "FIELD=VALUE per line")
                given[name] = value
    return given


def _pair(text: str, source: str, shape: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        # the text may hold a credential value: say what is expected, never echo it
        raise AddRefused(f"{source}: expected {shape}")
    return name.strip(), value if source == "--credentials-stdin" else value.strip()


def terminal_ask(question: Question, new: NewAccount) -> str | bool:
    """Ask one question on the terminal until the answer passes the schema's checks."""
    if question.help:
        click.secho(question.help, dim=True, err=True)
    if question.boolean:
        return click.confirm(question.title, default=question.default is True, err=True)

    def checked(answer: str) -> str:
        problem = new.check(question, answer)
        if problem:
            raise click.BadParameter(problem)
        return answer

    default = question.default if isinstance(question.default, str) else None
    label = question.title + (
        f" ({'/'.join(question.choices)})" if len(question.choices) > 1 else ""
    )
    if not question.required:
        label += " (optional, Enter to leave out)"
    answer: str = click.prompt(
        label,
        default=default if default is not None else ("" if not question.required else None),
        show_default=default is not None,
        hide_input=question.hidden,
        confirmation_prompt=question.hidden,
        value_proc=checked,
        err=True,
    )
    return answer
