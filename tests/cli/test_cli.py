"""The small commands (`providers`, `schema`) and `--help` of every command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from gwctl.cli.main import cli
from gwctl.errors import EXIT_USAGE
from tests.support.cli import assert_clean, invoke, run_gwctl
from tests.support.paths import REPO_ROOT
from tests.support.repos import ConfigRepo


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMANDS = [(), *_command_paths(cli)]


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "gwctl" for p in COMMANDS])
def test_help_of_every_command_exits_0(path: tuple[str, ...]) -> None:
    outcome = invoke(*path, "--help")

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith("Usage: ")


def test_the_installed_console_script_answers_help() -> None:
    outcome = run_gwctl("--help")

    assert outcome.exit_code == 0
    for command in ("validate", "providers", "schema", "plan", "apply"):
        assert command in outcome.stdout


def test_providers_lists_each_provider_with_its_credentials_and_columns() -> None:
    outcome = invoke("providers")

    assert outcome.exit_code == 0
    lines = {line.split()[0]: line for line in outcome.stdout.splitlines()}
    assert sorted(lines) == ["clickatell", "infobip", "twilio"]
    assert "api_key (API Key; api_key column, secret)" in lines["infobip"]
    assert "secret_key (Secret Key; secret_key column, secret)" in lines["infobip"]
    assert "username (Username; username column, shown in clear)" in lines["clickatell"]
    assert "password (Password; password column, secret)" in lines["clickatell"]
    assert "account_sid (SID; api_key column, shown in clear)" in lines["twilio"]
    assert "auth_token (Auth Token; secret_key column, secret)" in lines["twilio"]


@pytest.mark.parametrize("provider", ["infobip", "clickatell", "twilio"])
def test_schema_of_a_provider_is_its_schema_file(provider: str) -> None:
    outcome = invoke("schema", provider)

    assert outcome.exit_code == 0
    on_disk = json.loads((REPO_ROOT / "schema" / f"{provider}.schema.json").read_text())
    assert json.loads(outcome.stdout) == on_disk


def test_schema_without_a_provider_prints_all_files_by_name() -> None:
    outcome = invoke("schema")

    assert outcome.exit_code == 0
    printed = json.loads(outcome.stdout)
    files = sorted(path.name for path in (REPO_ROOT / "schema").glob("*.schema.json"))
    assert sorted(printed) == files
    for name in files:
        assert printed[name] == json.loads((REPO_ROOT / "schema" / name).read_text())


def test_schema_of_an_unknown_provider_is_a_usage_error_naming_the_known_ones() -> None:
    outcome = invoke("schema", "vonage")

    assert outcome.exit_code == EXIT_USAGE
    assert_clean(outcome)
    assert "unknown provider 'vonage'; known: clickatell, infobip, twilio" in outcome.stderr


def test_an_unknown_format_is_a_usage_error() -> None:
    outcome = invoke("validate", "--format", "xml", REPO_ROOT)

    assert outcome.exit_code == EXIT_USAGE
    assert "'xml' is not one of 'text', 'json', 'github'" in outcome.stderr


@pytest.mark.parametrize(
    "args", [("plan", "--detailed-exitcode", "--bogus"), ("--bogus", "plan"), ("drift", "extra")]
)
def test_a_usage_error_exits_64_never_the_changes_code(args: tuple[str, ...]) -> None:
    outcome = invoke(*args)

    assert outcome.exit_code == EXIT_USAGE
    assert "Error:" in outcome.stderr


def test_global_options_work_after_the_command_too() -> None:
    after = invoke("validate", "-C", REPO_ROOT)
    env_after = invoke("-C", REPO_ROOT, "plan", "--env", "production")

    assert after.exit_code == 0, after.output
    assert after.stdout.startswith("valid: 4 accounts")
    assert env_after.exit_code == 1
    assert "unknown environment 'production'" in env_after.stderr  # not "No such option"


def test_a_global_option_after_a_nested_command_reaches_it(repo: ConfigRepo) -> None:
    repo.write_plain("gwctl.yaml", 'prune: "false"\n')  # only this repository's settings

    outcome = invoke("lock", "status", "--directory", repo.root)

    assert outcome.exit_code == 1
    assert "gwctl.yaml:1:8: must be true or false" in outcome.stderr


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _leaf_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _leaf_commands(cli), ids=" ".join)
def test_every_commands_help_shows_an_example(path: tuple[str, ...]) -> None:
    outcome = invoke(*path, "--help")

    assert outcome.exit_code == 0
    assert "Example" in outcome.stdout
    assert f"gwctl {path[-1]}" in outcome.stdout or f"gwctl {' '.join(path)}" in outcome.stdout


@pytest.mark.parametrize("command", [("lock", "status"), ("plan",), ("store", "token", "list")])
def test_a_root_that_does_not_exist_is_a_usage_error_and_makes_no_folder(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    missing = tmp_path / "typo"

    outcome = invoke("-C", missing, *command)

    assert outcome.exit_code == EXIT_USAGE
    assert f"{missing}: no such directory" in outcome.stderr
    assert not missing.exists()
