"""Provider registry: the JSON Schemas in schema/ and validation of account data against them.

The schema files are the single source of truth for the CLI, the store and the web form.
A provider is one file `schema/<id>.schema.json`; everything gwctl knows about a provider
(its company name, its credential fields and which store column each fills) is read from it,
so adding a provider means adding one file.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from referencing import Registry, Resource

from gwctl.core.schema_checks import SchemaValidator, Violation, schema_violations
from gwctl.core.text_rules import text_field_problems
from gwctl.core.verify_spec import VerifySpec, VerifySpecError, parse_verify_spec
from gwctl.errors import GwctlError

SCHEMA_DIR_ENV = "GWCTL_SCHEMA_DIR"
COMMON_SCHEMA = "common.schema.json"
SETTINGS_SCHEMA = "gwctl.schema.json"  # gwctl.yaml's schema: in the folder, not a provider
NOT_PROVIDERS = frozenset({COMMON_SCHEMA, SETTINGS_SCHEMA})
# Base URI under which schema files are registered, so that their relative `$ref`s
# ("common.schema.json#/...") resolve the same way an editor resolves them on disk.
_BASE_URI = "https://schemas.gwctl.invalid/"
STORE_COLUMNS = ("api_key", "secret_key", "username", "password")


@dataclass(frozen=True)
class CredentialField:
    """A credential of a provider, and the store column (API Key, Secret Key, ...) it fills."""

    name: str
    title: str
    column: str
    secret: bool  # writeOnly in the schema: masked everywhere, never shown in clear
    # x-gwctl-random: a key the provider generates, whose last 4 characters identify it
    # without helping a guess; a secret a person chose (a password) shows none of it
    random: bool = False


@dataclass(frozen=True)
class Provider:
    """A gateway company (Infobip, Clickatell, Twilio, ...) as its schema file describes it."""

    id: str
    company_name: str
    signup_link: str
    schema: Mapping[str, Any]
    credentials: tuple[CredentialField, ...]
    verify: VerifySpec | None  # how `gwctl verify` proves credentials (`x-gwctl-verify`)
    _account_validator: Validator
    _credentials_validator: Validator

    @property
    def credential_names(self) -> frozenset[str]:
        return frozenset(field.name for field in self.credentials)

    @property
    def account_fields(self) -> tuple[str, ...]:
        return tuple(self.schema["properties"])

    def field_title(self, name: str) -> str:
        """The human title of an account or credential field ("Gateway Name")."""
        for field in self.credentials:
            if field.name == name:
                return field.title
        return str(self.field_spec(name).get("title", name))

    def field_spec(self, name: str) -> Mapping[str, Any]:
        """The schema of an account field, its shared definition resolved and merged with the
        provider's own keywords beside the `$ref` (its `examples`) ({} if unknown)."""
        spec: Mapping[str, Any] = self.schema["properties"].get(name, {})
        if "$ref" in spec:
            shared = _common_defs().get(spec["$ref"].rsplit("/", 1)[-1], {})
            spec = {**shared, **{key: value for key, value in spec.items() if key != "$ref"}}
        return spec

    def field_example(self, name: str) -> str | None:
        """The first of the provider's `examples` of an account or credential field: "Twilio I"
        in the Twilio schema, so that each provider's hints and errors show its own."""
        credentials = self.schema["$defs"]["credentials"]["properties"]
        spec = credentials[name] if name in credentials else self.field_spec(name)
        examples = spec.get("examples")
        return str(examples[0]) if isinstance(examples, list) and examples else None

    def credential_spec(self, name: str) -> Mapping[str, Any]:
        """The schema of a credential field."""
        spec: Mapping[str, Any] = self.schema["$defs"]["credentials"]["properties"][name]
        return spec

    def validate_account(self, data: Any) -> list[Violation]:
        """Problems of an account file's content (credentials excluded), with the characters
        its texts may not hold (gwctl.core.text_rules)."""
        found = self._violations(self._account_validator, data)
        if isinstance(data, Mapping):
            found += [
                Violation((field,), f"'{field}' ({self.field_title(field)}) {problem}", "text")
                for field, problem in text_field_problems(data).items()
            ]
        return found

    def validate_credentials(self, data: Any) -> list[Violation]:
        """Problems of the decrypted credentials. Messages never quote the values."""
        return self._violations(self._credentials_validator, data)

    def _violations(self, validator: Validator, data: Any) -> list[Violation]:
        return schema_violations(self, validator, data)


class SchemaDirError(GwctlError):
    """The schema directory is missing or holds a broken schema file."""


def default_schema_dir() -> Path:
    """$GWCTL_SCHEMA_DIR, else the schemas installed with gwctl (package data `gwctl/schema`).

    In this repository `gwctl/schema` is a symbolic link to the top-level `schema/`, the one
    source; the wheel and the sdist carry real copies of the files.
    """
    override = os.environ.get(SCHEMA_DIR_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("gwctl").joinpath("schema")))


@cache
def load_providers(schema_dir: Path | None = None) -> dict[str, Provider]:
    """All providers, by id, read from the schema directory (cached per directory)."""
    directory = schema_dir or default_schema_dir()
    common_path = directory / COMMON_SCHEMA
    if not common_path.is_file():
        raise SchemaDirError(
            f"{common_path}: shared schema not found; "
            + (
                f"is {SCHEMA_DIR_ENV} right?"
                if os.environ.get(SCHEMA_DIR_ENV)
                else "reinstall gwctl (its schemas are missing)"
            )
        )
    common = _read_json(common_path)
    registry: Registry[Any] = Registry().with_resource(
        _BASE_URI + COMMON_SCHEMA, Resource.from_contents(common)
    )
    providers: dict[str, Provider] = {}
    for path in sorted(directory.glob("*.schema.json")):
        if path.name in NOT_PROVIDERS:
            continue
        schema = _read_json(path)
        provider = _provider(path, schema, registry)
        providers[provider.id] = provider
    return providers


def get_provider(provider_id: str, schema_dir: Path | None = None) -> Provider | None:
    return load_providers(schema_dir).get(provider_id)


def read_schema_file(name: str, schema_dir: Path | None = None) -> Mapping[str, Any]:
    """A schema file's JSON as stored, for `gwctl schema` and the store's providers endpoint."""
    schema: dict[str, Any] = _read_json((schema_dir or default_schema_dir()) / name)
    return schema


def schema_files(provider: str | None = None) -> dict[str, Mapping[str, Any]]:
    """The schema files by name: PROVIDER's alone, or the shared one, every provider's and
    gwctl.yaml's.

    ValueError for an unknown provider; its message names the known ones."""
    known = load_providers()
    if provider is not None and provider not in known:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(known)}")
    if provider is not None:
        names = [f"{provider}.schema.json"]
    else:
        names = [COMMON_SCHEMA, *(f"{pid}.schema.json" for pid in known), SETTINGS_SCHEMA]
    return {
        name: settings_schema() if name == SETTINGS_SCHEMA else read_schema_file(name)
        for name in names
    }


def settings_schema(schema_dir: Path | None = None) -> dict[str, Any]:
    """gwctl.yaml's schema as gwctl serves it (`gwctl schema`, the editor copies): the file,
    its `verify.base_urls` naming every provider in the folder, so that a new provider is
    still one new schema file. For the shipped providers it is the file as it is."""
    schema = copy.deepcopy(dict(read_schema_file(SETTINGS_SCHEMA, schema_dir)))
    base_urls = schema["$defs"]["verify"]["properties"]["base_urls"]
    base_urls["properties"] = {
        provider.id: _base_url_entry(provider) for provider in load_providers(schema_dir).values()
    }
    return schema


def _base_url_entry(provider: Provider) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "$ref": "#/$defs/base_url",
        "title": f"{provider.company_name} base URL",
    }
    verify = provider.schema.get("x-gwctl-verify")
    if isinstance(verify, Mapping):
        if isinstance(verify.get("description"), str):
            entry["description"] = (
                f"Where `gwctl verify` sends {provider.company_name}'s check instead of "
                f"{verify['base_url']}. {verify['description']}"
            )
        entry["examples"] = [verify["base_url"]]
    return entry


@cache
def _common_defs() -> Mapping[str, Any]:
    common: dict[str, dict[str, Any]] = _read_json(default_schema_dir() / COMMON_SCHEMA)
    return common["$defs"]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaDirError(f"{path}: cannot read schema: {exc}") from None


def _provider(path: Path, schema: dict[str, Any], registry: Registry[Any]) -> Provider:
    meta = schema.get("x-gwctl-provider")
    if not isinstance(meta, dict) or "id" not in meta:
        raise SchemaDirError(f"{path}: missing 'x-gwctl-provider' with the provider's 'id'")
    schema = {**schema, "$id": _BASE_URI + path.name}
    credentials_schema = {
        "$ref": path.name + "#/$defs/credentials",
        "$id": _BASE_URI + "credentials-of-" + path.name,
    }
    registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    Draft202012Validator.check_schema(schema)
    credentials = tuple(
        CredentialField(
            name=name,
            title=spec.get("title", name),
            column=spec["x-gwctl-column"],
            secret=bool(spec.get("writeOnly", False)),
            random=bool(spec.get("x-gwctl-random", False)),
        )
        for name, spec in schema["$defs"]["credentials"]["properties"].items()
    )
    for field in credentials:
        if field.column not in STORE_COLUMNS:
            raise SchemaDirError(
                f"{path}: credential {field.name!r} maps to unknown column {field.column!r};"
                f" use one of {', '.join(STORE_COLUMNS)}"
            )
    verify = _verify_spec(path, schema)
    # Validators run on a copy with the plain `$ref`s replaced by their targets: resolving a
    # reference through the registry on every validation was 60% of the validation time.
    documents = {COMMON_SCHEMA: registry.contents(_BASE_URI + COMMON_SCHEMA), path.name: schema}
    credentials_inlined = {
        **_inline_refs(schema["$defs"]["credentials"], documents, path.name),
        "$id": credentials_schema["$id"],
    }
    return Provider(
        id=meta["id"],
        company_name=str(meta.get("company_name", meta["id"])),
        signup_link=str(meta.get("signup_link", "")),
        schema=schema,
        credentials=credentials,
        verify=verify,
        _account_validator=SchemaValidator(
            _inline_refs(schema, documents, path.name), registry=registry
        ),
        _credentials_validator=SchemaValidator(credentials_inlined, registry=registry),
    )


def _verify_spec(path: Path, schema: Mapping[str, Any]) -> VerifySpec | None:
    """The schema's `x-gwctl-verify` block, checked; its placeholders may name only
    required credentials, so every account can fill them."""
    block = schema.get("x-gwctl-verify")
    if block is None:
        return None
    try:
        required = frozenset(schema["$defs"]["credentials"].get("required", ()))
        return parse_verify_spec(block, required, str(path))
    except VerifySpecError as exc:
        raise SchemaDirError(str(exc)) from None


# Keywords whose values are data, not subschemas: never rewritten.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_MAX_INLINE_DEPTH = 16
# Keywords beside a `$ref` that do not change what validates (a provider's `examples` of a
# shared field): the reference is still inlined, with them.
_ANNOTATION_KEYWORDS = frozenset({"examples", "title", "description"})


def _inline_refs(node: Any, documents: Mapping[str, Any], current: str, depth: int = 0) -> Any:
    """A copy of a schema where each `{"$ref": "<file>#/<pointer>"}` with no other keyword is
    replaced by its target in `documents` (by file name). References with sibling keywords,
    to unknown files, or nested deeper than a cycle could go are kept for the registry."""
    if isinstance(node, list):
        return [_inline_refs(item, documents, current, depth) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    annotations = {key: value for key, value in node.items() if key in _ANNOTATION_KEYWORDS}
    if isinstance(ref, str) and len(node) == 1 + len(annotations) and depth < _MAX_INLINE_DEPTH:
        target = _ref_target(ref, documents, current)
        if target is not None:
            inlined = _inline_refs(target[1], documents, target[0], depth + 1)
            return {**inlined, **annotations} if isinstance(inlined, dict) else inlined
    return {
        key: value
        if key in _DATA_KEYWORDS or key.startswith("x-")
        else _inline_refs(value, documents, current, depth)
        for key, value in node.items()
    }


def _ref_target(ref: str, documents: Mapping[str, Any], current: str) -> tuple[str, Any] | None:
    name, _, fragment = ref.partition("#")
    name = name or current
    node = documents.get(name)
    if node is None or (fragment and not fragment.startswith("/")):
        return None
    for part in fragment.split("/")[1:] if fragment else ():
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return name, node
