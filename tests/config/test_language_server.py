"""The real YAML language server (the one VS Code, Neovim and others run) on a config
repository made by gwctl: it finds the editor schemas from the account files' first line,
reports gwctl's schema errors where `gwctl validate` does and in gwctl's words, and
completes field names and values.

The server is the npm package `yaml-language-server`, installed by `make install` into
.venv/node; it runs as a subprocess spoken to over LSP (tests/support/lsp.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from gwctl.config.editor_schemas import (
    EDITOR_SCHEMA_DIR,
    schema_comment,
    settings_schema_comment,
    write_editor_schemas,
)
from gwctl.config.validate import validate
from gwctl.core.providers import read_schema_file
from tests.support.accounts import account, valid_credentials
from tests.support.lsp import LanguageServer
from tests.support.paths import REPO_ROOT
from tests.support.repos import ConfigDirFactory, ConfigRepo

SERVER = REPO_ROOT / ".venv" / "node" / "node_modules" / ".bin" / "yaml-language-server"
SETTINGS = {
    "yaml": {
        "validate": True,
        "completion": True,
        "schemaStore": {"enable": False},  # no download of the public schema catalogue
    }
}

# One of each kind of schema error an editor can see in a single file.
BAD_TWILIO = account(
    "twilio",
    "Twilio US",
    status="paused",
    sending_pattern="batch",
    fallback_sender_id="not a sender id",
    colour="red",
)


def _account_text(fields: Mapping[str, Any]) -> str:
    return (
        schema_comment(str(fields["provider"]))
        + "\n"
        + yaml.safe_dump(dict(fields), sort_keys=False)
    )


@pytest.fixture
def repo(config_dir: ConfigDirFactory) -> ConfigRepo:
    """A config repository as gwctl makes it: editor schemas in schema/, a modeline first."""
    repo = config_dir()
    write_editor_schemas(repo.path(EDITOR_SCHEMA_DIR))
    return repo


@pytest.fixture
def server(repo: ConfigRepo) -> Iterator[LanguageServer]:
    if not SERVER.exists():
        # like the browser tests without Chromium: skipped, said plainly; CI fails on a skip
        pytest.skip(
            f"yaml-language-server not found at {SERVER}: `make test` installs it when "
            "Node.js and npm are present (apt-get install nodejs npm)"
        )
    language_server = LanguageServer([str(SERVER), "--stdio"], SETTINGS)
    try:
        language_server.initialize(repo.root)
        yield language_server
    finally:
        language_server.shutdown()


def _write(repo: ConfigRepo, key: str, fields: Mapping[str, Any] | str) -> Path:
    text = fields if isinstance(fields, str) else _account_text(fields)
    repo.add(key, text, valid_credentials("twilio"))
    return repo.path(f"gateways.d/{key}.yaml")


def _labels(items: list[dict[str, Any]]) -> set[str]:
    return {item["label"] for item in items}


def test_a_valid_account_file_gets_no_diagnostics(repo: ConfigRepo, server: LanguageServer) -> None:
    path = _write(repo, "twilio-us", account("twilio", "Twilio US"))

    assert server.wait_for_diagnostics(server.open(path)) == []


def test_schema_errors_are_reported_where_gwctl_validate_reports_them(
    repo: ConfigRepo,
    server: LanguageServer,
) -> None:
    path = _write(repo, "twilio-us", BAD_TWILIO)

    diagnostics = server.wait_for_diagnostics(server.open(path))
    gwctl = validate(repo.root).problems

    editor_places = sorted(
        (d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1) for d in diagnostics
    )
    assert editor_places == sorted((p.line, p.column) for p in gwctl)
    assert len(editor_places) == 4  # status, sending_pattern, fallback_sender_id, colour


def test_diagnostics_are_in_gwctl_words_not_raw_patterns(
    repo: ConfigRepo,
    server: LanguageServer,
) -> None:
    path = _write(repo, "twilio-us", BAD_TWILIO)
    common = read_schema_file("common.schema.json")["$defs"]
    twilio = read_schema_file("twilio.schema.json")["properties"]

    messages = [d["message"] for d in server.wait_for_diagnostics(server.open(path))]

    sender = common["fallback_sender_id"]
    assert f"Fallback Sender ID {sender['x-gwctl-message']}" in messages
    assert f"Sending Pattern {twilio['sending_pattern']['x-gwctl-message']}" in messages
    assert not [message for message in messages if sender["pattern"] in message]


def test_completion_on_an_empty_line_offers_the_field_names(
    repo: ConfigRepo,
    server: LanguageServer,
) -> None:
    path = _write(repo, "twilio-us", schema_comment("twilio") + "\nprovider: twilio\n\n")

    items = server.completion(server.open(path), line=2, character=0)

    assert {"name", "status", "sending_pattern", "fallback_sender_id"} <= _labels(items)


def test_completion_after_status_offers_its_values(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write(repo, "twilio-us", schema_comment("twilio") + "\nprovider: twilio\nstatus: \n")

    items = server.completion(server.open(path), line=2, character=len("status: "))

    assert _labels(items) == {"active", "inactive"}


# --- gwctl.yaml ---------------------------------------------------------------------------------


def _write_settings(repo: ConfigRepo, body: str) -> Path:
    return repo.write_plain("gwctl.yaml", settings_schema_comment() + "\n" + body)


BAD_SETTINGS = (
    'prune: "false"\n'
    "safety: {max_fraction: 1.5}\n"
    "colour: blue\n"
    "store: {url: gateways.example.com}\n"
    "environments:\n"
    "  production: {}\n"
)


def test_a_valid_gwctl_yaml_gets_no_diagnostics(repo: ConfigRepo, server: LanguageServer) -> None:
    path = _write_settings(
        repo,
        "store: {url: https://gateways.example.com, token_env: GWCTL_TOKEN}\n"
        "prune: false\nsafety: {max_fraction: 0.3, min_existing: 10}\n"
        "environments:\n  staging: {store: {url: https://staging.example.com}}\n"
        "verify: {base_urls: {infobip: https://xxxxx.api.infobip.com}}\n",
    )

    assert server.wait_for_diagnostics(server.open(path)) == []


def test_gwctl_yaml_errors_are_reported_on_the_lines_gwctl_validate_reports(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, BAD_SETTINGS)

    diagnostics = server.wait_for_diagnostics(server.open(path))
    gwctl = [p for p in validate(repo.root).problems if p.file == "gwctl.yaml"]

    assert sorted({d["range"]["start"]["line"] + 1 for d in diagnostics}) == sorted(
        {p.line for p in gwctl}
    )
    assert len(gwctl) == 5  # prune, max_fraction, colour, store.url, production


def test_gwctl_yaml_diagnostics_use_gwctl_words_for_patterns(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, "store: {url: gateways.example.com}\n")
    store_url = read_schema_file("gwctl.schema.json")["$defs"]["store_url"]

    messages = [d["message"] for d in server.wait_for_diagnostics(server.open(path))]

    assert messages == [f"Store URL {store_url['x-gwctl-message']}"]


def test_completion_in_gwctl_yaml_offers_the_settings(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, "prune: false\n\n")

    items = server.completion(server.open(path), line=2, character=0)

    assert {"store", "safety", "environments", "verify"} <= _labels(items)


def test_completion_in_an_environments_store_offers_its_keys(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, "environments:\n  production:\n    store:\n      \n")

    items = server.completion(server.open(path), line=4, character=6)

    assert {"url", "token_env"} <= _labels(items)


def test_completion_in_verify_base_urls_offers_every_provider(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, "verify:\n  base_urls:\n    \n")

    items = server.completion(server.open(path), line=3, character=4)

    assert _labels(items) >= {"clickatell", "infobip", "twilio"}


def test_hover_on_a_gwctl_yaml_setting_shows_its_title_and_description(
    repo: ConfigRepo, server: LanguageServer
) -> None:
    path = _write_settings(repo, "safety:\n  max_fraction: 0.3\n")
    spec = read_schema_file("gwctl.schema.json")["properties"]["safety"]["properties"]
    uri = server.open(path)
    server.wait_for_diagnostics(uri)

    position = {"line": 2, "character": 4}
    hover = server.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": position}
    )

    shown = hover["contents"]["value"]
    assert spec["max_fraction"]["title"] in shown
    assert spec["max_fraction"]["description"] in shown
