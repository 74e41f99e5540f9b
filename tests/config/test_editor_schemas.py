"""The editor's copies of the schemas: what they hold, `gwctl schema --write`, and the
warnings `gwctl validate` gives when a config repository's copies are missing or stale."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from gwctl import __version__
from gwctl.config.editor_schemas import (
    EDITOR_SCHEMA_DIR,
    MESSAGE_KEY,
    editor_schema,
    schema_comment,
    settings_schema_comment,
    write_editor_schemas,
)
from gwctl.config.loader import LoadedConfig
from gwctl.core.problems import WARNING, Problem
from gwctl.core.providers import default_schema_dir, read_schema_file
from tests.support.accounts import account, valid_credentials
from tests.support.cli import invoke
from tests.support.repos import ConfigDirFactory, ConfigRepo

SCHEMA_FILES = [
    "common.schema.json",
    "clickatell.schema.json",
    "infobip.schema.json",
    "twilio.schema.json",
    "gwctl.schema.json",
]
WRITE_COMMAND = "run `gwctl schema --write schema` in the repository root"


def _subschemas(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _subschemas(item)
    elif isinstance(node, Mapping):
        yield node
        for key, value in node.items():
            if key not in ("enum", "const") and not key.startswith("x-"):
                yield from _subschemas(value)


def _account_text(fields: Mapping[str, Any]) -> str:
    """An account file as gwctl writes it: the editor's modeline first."""
    return (
        schema_comment(str(fields["provider"]))
        + "\n"
        + yaml.safe_dump(dict(fields), sort_keys=False)
    )


def _repo_with_editor_schemas(
    config_dir: ConfigDirFactory, accounts: Mapping[str, Mapping[str, Any]]
) -> ConfigRepo:
    repo = config_dir()
    write_editor_schemas(repo.path(EDITOR_SCHEMA_DIR))
    for key, fields in accounts.items():
        repo.add(key, _account_text(fields), valid_credentials(str(fields["provider"])))
    return repo


TWO_TWILIO = {
    "twilio-eu": account("twilio", "Twilio EU"),
    "twilio-us": account("twilio", "Twilio US"),
}
MODELINE_PATH_COLUMN = len("# yaml-language-server: $schema=") + 1


# --- the copies -------------------------------------------------------------------------------


def test_editor_schema_words_pattern_failures_with_the_gwctl_message() -> None:
    common = editor_schema(read_schema_file("common.schema.json"))

    sender = common["$defs"]["fallback_sender_id"]
    assert sender["patternErrorMessage"] == f"Fallback Sender ID {sender[MESSAGE_KEY]}"
    assert "errorMessage" not in sender  # it would replace the editor's "Incorrect type" too


def test_editor_schema_words_const_failures_with_the_gwctl_message() -> None:
    twilio = editor_schema(read_schema_file("twilio.schema.json"))

    sending_pattern = twilio["properties"]["sending_pattern"]
    assert sending_pattern["errorMessage"] == f"Sending Pattern {sending_pattern[MESSAGE_KEY]}"


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_message_the_editor_can_show_is_in_the_editor_schema(name: str) -> None:
    for subschema in _subschemas(editor_schema(read_schema_file(name))):
        if MESSAGE_KEY not in subschema:
            continue
        if "pattern" in subschema:
            assert subschema[MESSAGE_KEY] in subschema["patternErrorMessage"]
        if "const" in subschema or "enum" in subschema:
            assert subschema[MESSAGE_KEY] in subschema["errorMessage"]


def test_editor_schema_leaves_its_input_untouched() -> None:
    source = read_schema_file("twilio.schema.json")
    before = copy.deepcopy(source)

    copied = editor_schema(source)
    copied["properties"]["status"]["$ref"] = "changed"
    copied["x-gwctl-provider"]["id"] = "changed"

    assert source == before


def test_write_editor_schemas_writes_the_shared_schema_and_every_provider(tmp_path: Path) -> None:
    directory = tmp_path / "new" / EDITOR_SCHEMA_DIR

    written = write_editor_schemas(directory)

    assert sorted(path.name for path in written) == sorted(SCHEMA_FILES)
    assert sorted(path.name for path in directory.iterdir()) == sorted(SCHEMA_FILES)
    for path in written:
        text = path.read_text(encoding="utf-8")
        expected = editor_schema(read_schema_file(path.name))
        assert text == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_schema_write_prints_each_file_it_wrote(tmp_path: Path) -> None:
    outcome = invoke("schema", "--write", tmp_path / EDITOR_SCHEMA_DIR)

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines() == [
        f"wrote {tmp_path / EDITOR_SCHEMA_DIR / name}" for name in SCHEMA_FILES
    ]


def test_schema_comment_points_from_gateways_d_at_the_editor_schema() -> None:
    assert schema_comment("twilio") == (
        "# yaml-language-server: $schema=../schema/twilio.schema.json"
    )


# --- validate's warnings ----------------------------------------------------------------------


@pytest.mark.usefixtures("no_sops_key")
def test_current_copies_give_no_warning(config_dir: ConfigDirFactory) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.strip() == "valid: 2 accounts, no problems"


@pytest.mark.usefixtures("no_sops_key")
def test_copies_of_the_plain_source_schemas_count_as_current(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    shutil.rmtree(repo.path(EDITOR_SCHEMA_DIR))
    shutil.copytree(default_schema_dir(), repo.path(EDITOR_SCHEMA_DIR))

    outcome = repo.validate()

    assert outcome.stdout.strip() == "valid: 2 accounts, no problems"


@pytest.mark.usefixtures("no_sops_key")
def test_validate_warns_once_at_a_stale_copy_and_exits_0(config_dir: ConfigDirFactory) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    stale = repo.path("schema/twilio.schema.json")
    stale.write_text(stale.read_text().replace('"loop"', '"batch"'), encoding="utf-8")

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines() == [
        f"schema/twilio.schema.json:1:1: warning: this editor schema differs from the installed "
        f"gwctl {__version__}'s, so editors check the account files by other rules than "
        f"gwctl: {WRITE_COMMAND}",
        "valid: 2 accounts, 1 warning in 1 file",
    ]


@pytest.mark.usefixtures("no_sops_key")
def test_validate_warns_at_the_modeline_naming_a_missing_copy(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.remove_file("schema/twilio.schema.json")

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines() == [
        f"gateways.d/twilio-eu.yaml:1:{MODELINE_PATH_COLUMN}: warning: editor schema "
        f"schema/twilio.schema.json not found, so editors cannot complete or check the account "
        f"files: {WRITE_COMMAND}",
        "valid: 2 accounts, 1 warning in 1 file",
    ]


@pytest.mark.usefixtures("no_sops_key")
def test_validate_warns_about_the_shared_schema_the_provider_copies_need(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.remove_file("schema/common.schema.json")

    outcome = repo.validate()

    assert outcome.stdout.splitlines()[0].startswith(
        f"gateways.d/twilio-eu.yaml:1:{MODELINE_PATH_COLUMN}: warning: editor schema "
        "schema/common.schema.json not found"
    )


SETTINGS_TEXT = settings_schema_comment() + "\nprune: false\n"
SETTINGS_PATH_COLUMN = len("# yaml-language-server: $schema=") + 1


def test_settings_schema_comment_points_from_the_root_at_the_editor_schema() -> None:
    assert settings_schema_comment() == "# yaml-language-server: $schema=schema/gwctl.schema.json"


@pytest.mark.usefixtures("no_sops_key")
def test_validate_warns_at_gwctl_yamls_modeline_when_its_copy_is_missing(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.write_plain("gwctl.yaml", SETTINGS_TEXT)
    repo.remove_file("schema/gwctl.schema.json")

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines() == [
        f"gwctl.yaml:1:{SETTINGS_PATH_COLUMN}: warning: editor schema schema/gwctl.schema.json "
        f"not found, so editors cannot complete or check gwctl.yaml: {WRITE_COMMAND}",
        "valid: 2 accounts, 1 warning in 1 file",
    ]


@pytest.mark.usefixtures("no_sops_key")
def test_validate_warns_at_a_stale_copy_of_gwctl_yamls_schema(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.write_plain("gwctl.yaml", SETTINGS_TEXT)
    stale = repo.path("schema/gwctl.schema.json")
    stale.write_text(stale.read_text().replace('"maximum": 1', '"maximum": 2'), encoding="utf-8")

    outcome = repo.validate()

    assert outcome.stdout.splitlines() == [
        f"schema/gwctl.schema.json:1:1: warning: this editor schema differs from the installed "
        f"gwctl {__version__}'s, so editors check gwctl.yaml by other rules than gwctl: "
        f"{WRITE_COMMAND}",
        "valid: 2 accounts, 1 warning in 1 file",
    ]


@pytest.mark.usefixtures("no_sops_key")
def test_gwctl_yaml_needs_no_shared_provider_schema(config_dir: ConfigDirFactory) -> None:
    repo = _repo_with_editor_schemas(config_dir, {})
    repo.write_plain("gwctl.yaml", SETTINGS_TEXT)
    repo.remove_file("schema/common.schema.json")

    outcome = repo.validate()

    assert outcome.stdout.strip() == "valid: 0 accounts, no problems"


def test_the_editor_copy_of_gwctl_yamls_schema_words_its_patterns_as_gwctl() -> None:
    copied = editor_schema(read_schema_file("gwctl.schema.json"))

    store_url = copied["$defs"]["store_url"]
    assert store_url["patternErrorMessage"] == f"Store URL {store_url[MESSAGE_KEY]}"


@pytest.mark.usefixtures("no_sops_key")
def test_a_modeline_naming_a_url_is_left_alone(config_dir: ConfigDirFactory) -> None:
    repo = _repo_with_editor_schemas(config_dir, {})
    fields = account("twilio", "Twilio US")
    url = "# yaml-language-server: $schema=https://example.com/twilio.schema.json\n"
    repo.add(
        "twilio-us", url + yaml.safe_dump(fields, sort_keys=False), valid_credentials("twilio")
    )

    outcome = repo.validate()

    assert outcome.stdout.strip() == "valid: 1 account, no problems"


@pytest.mark.usefixtures("no_sops_key")
def test_json_format_gives_each_problem_its_severity_and_warnings_stay_valid(
    config_dir: ConfigDirFactory,
) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.remove_file("schema/twilio.schema.json")
    repo.add(
        "bad", _account_text(account("twilio", "Bad", status="paused")), valid_credentials("twilio")
    )

    report = json.loads(repo.validate("--format", "json").stdout)
    repo.remove_file("gateways.d/bad.yaml")
    repo.remove_file("gateways.d/bad.secret.yaml")
    warnings_only = json.loads(repo.validate("--format", "json").stdout)

    assert [(p["file"], p["severity"]) for p in report["problems"]] == [
        ("gateways.d/bad.yaml", "warning"),
        ("gateways.d/bad.yaml", "error"),
    ]
    assert report["valid"] is False
    assert [p["severity"] for p in warnings_only["problems"]] == ["warning"]
    assert warnings_only["valid"] is True


@pytest.mark.usefixtures("no_sops_key")
def test_github_format_annotates_warnings_as_warnings(config_dir: ConfigDirFactory) -> None:
    repo = _repo_with_editor_schemas(config_dir, TWO_TWILIO)
    repo.remove_file("schema/twilio.schema.json")

    outcome = repo.validate("--format", "github")

    assert outcome.exit_code == 0, outcome.output
    first, summary = outcome.stdout.splitlines()
    assert first.startswith(
        "::warning file=gateways.d/twilio-eu.yaml,line=1,"
        f"col={MODELINE_PATH_COLUMN},title=gwctl validate::editor schema "
    )
    assert summary == "valid: 2 accounts, 1 warning in 1 file"


def test_only_errors_make_a_config_invalid(tmp_path: Path) -> None:
    warning = Problem("schema/twilio.schema.json", 1, 1, "stale", "editor_schema_stale", WARNING)
    error = Problem("gateways.d/a.yaml", 2, 7, "bad")

    assert LoadedConfig(tmp_path, problems=[warning]).valid
    assert not LoadedConfig(tmp_path, problems=[warning, error]).valid
    assert str(warning) == "schema/twilio.schema.json:1:1: warning: stale"
    assert str(error) == "gateways.d/a.yaml:2:7: bad"
