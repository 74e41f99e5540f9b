"""The JSON Schemas in schema/: valid draft 2020-12, documented for editors, the credential
metadata the store relies on, the sender ID rule at its boundaries, and "a fourth provider
is one new schema file"."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from gwctl.core import providers as schemas
from gwctl.core.providers import STORE_COLUMNS, load_providers
from tests.support.accounts import account
from tests.support.age import AgeIdentity
from tests.support.cli import invoke
from tests.support.paths import REPO_ROOT
from tests.support.providers import ProviderServer, point_at
from tests.support.repos import ConfigDirFactory

SCHEMA_DIR = REPO_ROOT / "schema"
SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))
# gwctl.yaml's schema lives in schema/ too; it describes no provider
PROVIDER_FILES = [
    path for path in SCHEMA_FILES if path.name not in ("common.schema.json", "gwctl.schema.json")
]
COMMON = json.loads((SCHEMA_DIR / "common.schema.json").read_text())
SECRET_FIELDS = {"api_key", "secret_key", "password", "auth_token"}


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _resolved(spec: dict[str, Any]) -> dict[str, Any]:
    """A property's own schema, following a `$ref` into common.schema.json."""
    if "$ref" in spec:
        file, _, pointer = spec["$ref"].partition("#/$defs/")
        assert file == "common.schema.json", spec["$ref"]
        resolved: dict[str, Any] = COMMON["$defs"][pointer]
        return resolved
    return spec


def _properties() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in PROVIDER_FILES:
        schema = _load(path)
        for name, spec in schema["properties"].items():
            found.append((path.stem.removesuffix(".schema"), name, _resolved(spec)))
        for name, spec in schema["$defs"]["credentials"]["properties"].items():
            found.append((path.stem.removesuffix(".schema"), f"credentials.{name}", spec))
    return found


PROPERTIES = _properties()


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=[p.name for p in SCHEMA_FILES])
def test_each_schema_file_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    schema = _load(path)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("provider", "name", "spec"), PROPERTIES, ids=[f"{p}.{n}" for p, n, _ in PROPERTIES]
)
def test_every_field_has_a_title_and_a_description(
    provider: str, name: str, spec: dict[str, Any]
) -> None:
    assert spec.get("title", "").strip()
    assert len(spec.get("description", "")) >= 10


@pytest.mark.parametrize("path", PROVIDER_FILES, ids=[p.name for p in PROVIDER_FILES])
def test_secret_credentials_are_write_only_and_identifiers_are_not(path: Path) -> None:
    credentials = _load(path)["$defs"]["credentials"]["properties"]

    for name, spec in credentials.items():
        assert spec.get("writeOnly", False) is (name in SECRET_FIELDS), name


@pytest.mark.parametrize("path", PROVIDER_FILES, ids=[p.name for p in PROVIDER_FILES])
def test_each_credential_fills_a_distinct_store_column(path: Path) -> None:
    credentials = _load(path)["$defs"]["credentials"]["properties"]

    columns = [spec["x-gwctl-column"] for spec in credentials.values()]
    assert set(columns) <= set(STORE_COLUMNS)
    assert len(columns) == len(set(columns))


def test_the_credentials_and_columns_are_the_seed_pages() -> None:
    providers = load_providers()

    assert {pid: [(c.name, c.column) for c in p.credentials] for pid, p in providers.items()} == {
        "infobip": [("api_key", "api_key"), ("secret_key", "secret_key")],
        "clickatell": [("username", "username"), ("password", "password")],
        "twilio": [("account_sid", "api_key"), ("auth_token", "secret_key")],
    }


@pytest.mark.parametrize("path", PROVIDER_FILES, ids=[p.name for p in PROVIDER_FILES])
def test_each_provider_file_is_named_after_its_id_and_lists_every_credential_as_required(
    path: Path,
) -> None:
    schema = _load(path)
    credentials = schema["$defs"]["credentials"]

    assert f"{schema['x-gwctl-provider']['id']}.schema.json" == path.name
    assert sorted(credentials["required"]) == sorted(credentials["properties"])
    assert credentials["additionalProperties"] is False
    assert schema["additionalProperties"] is False


def _editor_registry() -> Registry[Any]:
    """Schemas registered under their file URIs, as an editor's YAML language server sees
    them: relative `$ref`s must resolve with no help from gwctl."""
    resources = [(path.as_uri(), Resource.from_contents(_load(path))) for path in SCHEMA_FILES]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@pytest.mark.parametrize(
    "path", sorted((REPO_ROOT / "gateways.d").glob("*[!t].yaml")), ids=lambda p: p.name
)
def test_example_accounts_name_their_schema_for_editors_and_match_it(path: Path) -> None:
    first_line = path.read_text().splitlines()[0]
    data = yaml.safe_load(path.read_text())

    assert first_line == f"# yaml-language-server: $schema=../schema/{data['provider']}.schema.json"
    schema_path = SCHEMA_DIR / f"{data['provider']}.schema.json"
    validator = Draft202012Validator({"$ref": schema_path.as_uri()}, registry=_editor_registry())
    assert list(validator.iter_errors(data)) == []


# --- the fallback sender ID ---------------------------------------------------------------------

ACCEPTED_SENDER_IDS = [
    "S",
    "SMSPLUS",
    "A" * 11,
    "SMS PLUS",
    "1234567890A",
    "A1",
    "a",
    "1",
    "1" * 15,
    "+1",
    "+" + "1" * 15,
    "447700900123",
]
REFUSED_SENDER_IDS = [
    "",
    "A" * 12,
    "SMS PLUS 123",
    "1" * 16,
    "+" + "1" * 16,
    "+",
    "++1",
    "+44A",
    "1 2",
    " ",
    "SMS-PLUS",
    "SMS_PLUS",
    "SMS.PLUS",
    "ÉCOLE",
    "SMSPLUS\n",
    "1+1",
]


@pytest.mark.parametrize("path", PROVIDER_FILES, ids=[p.name for p in PROVIDER_FILES])
def test_each_provider_gives_its_own_examples_of_the_name_and_the_signup_link(path: Path) -> None:
    schema = _load(path)
    company = schema["x-gwctl-provider"]["company_name"]
    properties = schema["properties"]
    assert properties["name"]["examples"] == [f"{company} I", f"{company} II"]
    assert properties["signup_link"]["examples"] == [schema["x-gwctl-provider"]["signup_link"]]


def test_shared_messages_and_help_name_no_provider() -> None:
    """A shared field's words hold for every provider: the examples are each provider's."""
    shared = json.dumps(COMMON).lower()
    for path in PROVIDER_FILES:
        assert path.stem.removesuffix(".schema") not in shared


# the options a form offers: `provider` is fixed by the chosen company, never offered
OPTIONS = [
    case
    for case in PROPERTIES
    if case[1] != "provider" and ("enum" in case[2] or "const" in case[2])
]


@pytest.mark.parametrize(
    ("provider", "name", "spec"), OPTIONS, ids=[f"{p}.{n}" for p, n, _ in OPTIONS]
)
def test_every_option_has_a_title_and_help_texts_use_titles(
    provider: str, name: str, spec: dict[str, Any]
) -> None:
    options = spec.get("enum", [spec.get("const")])
    titles = spec["x-gwctl-enum-titles"]
    assert set(titles) == set(options)
    for option in options:
        assert f"'{option}'" not in spec["description"], (provider, name, option)


@pytest.mark.parametrize("sender_id", ACCEPTED_SENDER_IDS)
def test_fallback_sender_id_accepted(sender_id: str) -> None:
    provider = load_providers()["infobip"]

    assert provider.validate_account(account(fallback_sender_id=sender_id)) == []


@pytest.mark.parametrize("sender_id", REFUSED_SENDER_IDS)
def test_fallback_sender_id_refused_with_both_forms_explained(sender_id: str) -> None:
    provider = load_providers()["infobip"]

    [violation] = provider.validate_account(account(fallback_sender_id=sender_id))

    assert violation.path == ("fallback_sender_id",)
    assert "1 to 11 letters, digits or spaces, at least one letter" in violation.message
    assert "an optional '+' and 1 to 15 digits" in violation.message


def test_twilio_account_with_batch_is_refused_with_the_reason() -> None:
    [violation] = load_providers()["twilio"].validate_account(
        account("twilio", sending_pattern="batch")
    )

    assert violation.message == (
        "'sending_pattern' (Sending Pattern) must be 'loop': Twilio does not accept batches"
    )


@pytest.mark.parametrize("provider", ["infobip", "clickatell"])
def test_batch_is_accepted_for_providers_that_take_batches(provider: str) -> None:
    assert (
        load_providers()[provider].validate_account(account(provider, sending_pattern="batch"))
        == []
    )


def test_credential_messages_never_quote_the_value() -> None:
    value = "AC-not-a-sid-" + "z" * 20
    [violation] = load_providers()["twilio"].validate_credentials(
        {"account_sid": value, "auth_token": "0" * 32}
    )

    assert value not in violation.message


# --- a fourth provider is one schema file --------------------------------------------------------

VONAGE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Vonage gateway account",
    "description": "A Vonage account, authenticated with an API key and an API secret.",
    "x-gwctl-provider": {
        "id": "vonage",
        "company_name": "Vonage",
        "signup_link": "https://dashboard.nexmo.com/sign-up",
    },
    # Vonage's account balance: api_key and api_secret in the query, as its API reference shows
    "x-gwctl-verify": {
        "base_url": "https://rest.nexmo.com",
        "request": {
            "method": "GET",
            "path": "/account/get-balance",
            "query": {"api_key": "{api_key}", "api_secret": "{api_secret}"},
        },
        "outcomes": [
            {"status": 200, "verdict": "verified"},
            {"status": 401, "verdict": "rejected", "reason": "API key or secret refused"},
        ],
    },
    "type": "object",
    "properties": {
        "provider": {
            "title": "Company Name",
            "description": "The gateway's company.",
            "const": "vonage",
        },
        **{
            name: {"$ref": f"common.schema.json#/$defs/{name}"}
            for name in (
                "name",
                "status",
                "sending_pattern",
                "fallback_sender_id",
                "logo",
                "description",
                "signup_link",
                "protect",
                "moved_from",
            )
        },
    },
    "required": ["provider", "name", "status", "sending_pattern", "fallback_sender_id"],
    "additionalProperties": False,
    "$defs": {
        "credentials": {
            "title": "Vonage credentials",
            "description": "The credentials of a Vonage account.",
            "type": "object",
            "properties": {
                "api_key": {
                    "title": "API Key",
                    "description": "Your Vonage API key.",
                    "type": "string",
                    "pattern": "^[0-9a-f]{8}$",
                    "x-gwctl-column": "api_key",
                    "writeOnly": True,
                },
                "api_secret": {
                    "title": "API Secret",
                    "description": "Your Vonage API secret.",
                    "type": "string",
                    "minLength": 16,
                    "x-gwctl-column": "secret_key",
                    "writeOnly": True,
                },
            },
            "required": ["api_key", "api_secret"],
            "additionalProperties": False,
        }
    },
}


@pytest.fixture
def with_vonage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """schema/ copied to tmp with one more file, vonage.schema.json, and GWCTL_SCHEMA_DIR
    pointing at the copy (the provider caches are cleared before and after)."""
    directory = tmp_path / "schema"
    shutil.copytree(SCHEMA_DIR, directory)
    (directory / "vonage.schema.json").write_text(json.dumps(VONAGE, indent=2))
    monkeypatch.setenv("GWCTL_SCHEMA_DIR", str(directory))
    load_providers.cache_clear()
    schemas._common_defs.cache_clear()
    yield directory
    load_providers.cache_clear()
    schemas._common_defs.cache_clear()


@pytest.mark.usefixtures("with_vonage")
def test_a_fourth_provider_is_one_new_schema_file(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir(
        {"vonage-eu": account("vonage", "Vonage EU", sending_pattern="batch")},
        secrets={"vonage-eu": {"api_key": "0a1b2c3d", "api_secret": "s" * 16}},
    )

    validated = repo.validate("--decrypt")
    listed = invoke("providers")
    printed = invoke("schema", "vonage")

    assert validated.exit_code == 0, validated.output
    assert (
        "vonage       Vonage       api_key (API Key; api_key column, secret), api_secret "
        "(API Secret; secret_key column, secret)" in listed.stdout
    )
    assert json.loads(printed.stdout)["x-gwctl-provider"]["id"] == "vonage"


@pytest.mark.usefixtures("with_vonage")
def test_the_fourth_providers_rules_come_from_its_file(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir(
        {"vonage-eu": account("vonage", "Vonage EU")},
        secrets={"vonage-eu": {"api_key": "NOT-HEX!", "api_secret": "s" * 16}},
    )

    outcome = repo.validate("--decrypt")

    assert outcome.exit_code == 1
    assert outcome.stdout.startswith(
        "gateways.d/vonage-eu.secret.yaml:1:10: 'api_key' (API Key) is not valid"
    )
    assert "NOT-HEX!" not in outcome.output


@pytest.mark.usefixtures("with_vonage")
def test_the_fourth_provider_is_verified_as_its_file_declares(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity, providers: ProviderServer
) -> None:
    repo = config_dir(
        {"vonage-eu": account("vonage", "Vonage EU"), "vonage-uk": account("vonage", "Vonage UK")},
        secrets={
            "vonage-eu": {"api_key": "0a1b2c3d", "api_secret": "s" * 16},
            "vonage-uk": {"api_key": "4e5f6a7b", "api_secret": "t" * 16},
        },
    )
    point_at(repo, providers.base_url, providers=("vonage",))
    providers.answer("4e5f6a7b", "rejected")

    outcome = invoke("-C", repo.root, "verify")

    assert outcome.exit_code == 1
    assert "vonage-eu  verified     credentials accepted (HTTP 200)" in outcome.stdout
    assert "vonage-uk  rejected     API key or secret refused (HTTP 401)" in outcome.stdout
    assert {request.query["api_secret"][0] for request in providers.requests} == {
        "s" * 16,
        "t" * 16,
    }
