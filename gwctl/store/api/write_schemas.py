"""The OpenAPI schemas of the write bodies, built from the provider schemas (the one source).

gwctl.store.validation checks a gateway write with the provider's JSON Schema; this module
states the same rules to clients: one create and one update schema per provider (its
`provider` constant, its credential fields), chosen by `provider` (a discriminator), and the
changeset operations chosen by `op`. No property has a `default`: a field an update leaves
out keeps its value (credentials, logo, managed_by, protect), and a generated client must
never send a default as if it were a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from gwctl.core.logos import MAX_LOGO_BYTES
from gwctl.core.model import KEY_PATTERN_TEXT
from gwctl.core.providers import Provider
from gwctl.store.changesets import MAX_OPERATIONS
from gwctl.store.validation import (
    ACCOUNT_FIELDS,
    APPLIED_DIGEST_MAX,
    FINGERPRINT_MAX,
    MANAGED_BY,
    NULLABLE_FIELDS,
)

Schema = dict[str, Any]

_REF = "#/components/schemas/"
_BASE64_TAIL = "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
# The base64 text of PNG (\x89PNG\r\n\x1a\n) and JPEG (\xff\xd8\xff) bytes: what the store
# recognizes an image by.
_IMAGE_DATA: Final = {
    "image/png": "^iVBORw0KGg(?:o=|[o-r][A-Za-z0-9+/]" + _BASE64_TAIL[:-1] + ")$",
    "image/jpeg": "^/9j/" + _BASE64_TAIL,
}
_BASE64_MAX: Final = -(-MAX_LOGO_BYTES // 3) * 4
_DROPPED: Final = ("default", "examples", "$comment")
# What `\s` matches in the store's validator (Python's re): JSON Schema's regexes (ECMA-262)
# read `\s` differently (U+001C..U+001F, U+0085 / U+FEFF), so the document spells it out.
_WHITESPACE: Final = (
    r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)


def ref(name: str) -> Schema:
    return {"$ref": _REF + name}


def write_schemas(providers: Mapping[str, Provider]) -> dict[str, Schema]:
    """Every write body's schema, by component name (`GatewayCreate`, `ChangesetRequest`...)."""
    schemas: dict[str, Schema] = {
        "ProviderId": _provider_ids(providers),
        "ManagedBy": {"title": "ManagedBy", "type": "string", "enum": list(MANAGED_BY)},
        **_logo_schemas(),
    }
    for kind in ("Create", "Update"):
        for in_changeset in (False, True):
            name = f"{'Changeset' if in_changeset else ''}Gateway{kind}"
            variants = {}
            for provider in providers.values():
                variant = f"{_camel(provider.id)}{name}"
                schemas[variant] = {
                    "title": variant,
                    **_gateway(provider, create=kind == "Create", in_changeset=in_changeset),
                }
                variants[provider.id] = variant
            schemas[name] = _one_of("provider", variants)
    for provider in providers.values():
        schemas[f"{_camel(provider.id)}Credentials"] = _credentials(provider, create=True)
        schemas[f"{_camel(provider.id)}CredentialsUpdate"] = _credentials(provider, create=False)
    schemas.update(_changeset_schemas())
    return schemas


def _provider_ids(providers: Mapping[str, Provider]) -> Schema:
    return {
        "title": "ProviderId",
        "description": "A gateway company the store accepts (GET /api/v1/providers).",
        "type": "string",
        "enum": sorted(providers),
    }


def _gateway(provider: Provider, *, create: bool, in_changeset: bool) -> Schema:
    name = _camel(provider.id)
    properties: Schema = {}
    if create:
        properties["key"] = {
            "type": "string",
            "pattern": KEY_PATTERN_TEXT,
            "description": "The gateway's stable key (its file name in git); it never changes.",
        }
    for field in ACCOUNT_FIELDS:
        spec = _cleaned(provider.field_spec(field))
        if field == "provider":
            spec = {**spec, "type": "string"}
        if field in NULLABLE_FIELDS:
            spec = {"anyOf": [spec, {"type": "null"}], "description": "Left out or null: none."}
        if field == "protect":
            spec["description"] = "Left out: false on create, kept on update."
        properties[field] = spec
    logo = [ref("LogoWrite"), ref("LogoRef")] if in_changeset else [ref("LogoWrite")]
    properties["logo"] = {
        "anyOf": [*logo, {"type": "null"}],
        "description": "Left out: none on create, kept on update; null: no logo"
        + ("; {sha256}: an image of the changeset's 'logos'." if in_changeset else "."),
    }
    properties["credentials"] = {
        **ref(f"{name}Credentials" if create else f"{name}CredentialsUpdate"),
        "description": "Every credential of the provider."
        if create
        else "A credential left out keeps its value (all are required if the provider changes).",
    }
    properties["managed_by"] = {
        "anyOf": [ref("ManagedBy"), {"type": "null"}],
        "description": "Left out or null: manual on create, kept on update.",
    }
    properties["applied_digest"] = {
        "anyOf": [{"type": "string", "maxLength": APPLIED_DIGEST_MAX}, {"type": "null"}],
        "description": "The digest of the config gwctl applied. Left out or null: none.",
    }
    properties["credential_fingerprints"] = {
        "type": "object",
        "description": "Fingerprints of the credentials sent, computed by gwctl under the config "
        "repository's key; kept as they are. A credential changed without one has none.",
        "additionalProperties": {"type": "string", "minLength": 1, "maxLength": FINGERPRINT_MAX},
    }
    required = [field for field in provider.schema.get("required", ()) if field in properties]
    if create:
        required = ["key", *required, "credentials"]
    return {
        "description": f"A {provider.company_name} gateway "
        + ("to create." if create else "update: the gateway's new state (the URL names it)."),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _credentials(provider: Provider, *, create: bool) -> Schema:
    spec = provider.schema["$defs"]["credentials"]
    properties = {name: _cleaned(value) for name, value in spec["properties"].items()}
    return {
        "title": f"{_camel(provider.id)}Credentials{'' if create else 'Update'}",
        "description": f"{provider.company_name} credentials"
        + ("." if create else ": those left out keep their values."),
        "type": "object",
        "properties": properties,
        "required": list(spec.get("required", ())) if create else [],
        "additionalProperties": False,
    }


def _logo_schemas() -> dict[str, Schema]:
    images = {
        media: {
            "title": f"{media.split('/')[1].capitalize()}Logo",
            "type": "object",
            "properties": {
                "content_type": {"type": "string", "const": media},
                "data": {
                    "type": "string",
                    "contentEncoding": "base64",
                    "pattern": pattern,
                    "maxLength": _BASE64_MAX,
                    "description": f"The {media} image, base64 encoded (at most 256 KiB).",
                },
            },
            "required": ["content_type", "data"],
            "additionalProperties": False,
        }
        for media, pattern in _IMAGE_DATA.items()
    }
    return {
        "PngLogo": images["image/png"],
        "JpegLogo": images["image/jpeg"],
        "LogoWrite": _one_of("content_type", {"image/png": "PngLogo", "image/jpeg": "JpegLogo"}),
        "LogoRef": {
            "title": "LogoRef",
            "description": "An image of the changeset's 'logos', named by its SHA-256.",
            "type": "object",
            "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            "required": ["sha256"],
            "additionalProperties": False,
        },
    }


def _changeset_schemas() -> dict[str, Schema]:
    key = {"type": "string", "description": "The gateway's key."}
    version = {"type": "integer", "minimum": 1, "description": "The version you read."}

    def operation(op: str, fields: Schema, required: list[str]) -> Schema:
        return {
            "title": f"{op.capitalize()}Operation",
            "type": "object",
            "properties": {"op": {"type": "string", "const": op}, **fields},
            "required": ["op", *required],
            "additionalProperties": False,
        }

    new_key = {"type": "string", "pattern": KEY_PATTERN_TEXT}
    return {
        "CreateOperation": operation(
            "create", {"gateway": ref("ChangesetGatewayCreate")}, ["gateway"]
        ),
        "UpdateOperation": operation(
            "update",
            {"key": key, "if_version": version, "gateway": ref("ChangesetGatewayUpdate")},
            ["key", "if_version", "gateway"],
        ),
        "RenameOperation": operation(
            "rename",
            {
                "key": key,
                "new_key": new_key,
                "if_version": version,
                "gateway": ref("ChangesetGatewayUpdate"),
            },
            ["key", "new_key", "if_version"],
        ),
        "DeleteOperation": operation(
            "delete", {"key": key, "if_version": version}, ["key", "if_version"]
        ),
        "ChangesetRequest": {
            "title": "ChangesetRequest",
            "type": "object",
            "properties": {
                "operations": {
                    "type": "array",
                    "maxItems": MAX_OPERATIONS,
                    "items": _one_of(
                        "op",
                        {
                            op: f"{op.capitalize()}Operation"
                            for op in ("create", "update", "rename", "delete")
                        },
                    ),
                },
                "logos": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9a-f]{64}$"},
                    "additionalProperties": ref("LogoWrite"),
                    "description": "Images the operations name by SHA-256, each sent once: "
                    '{"<hex sha256 of the image>": {content_type, data}}.',
                },
            },
            "required": ["operations"],
            "additionalProperties": False,
        },
    }


def _one_of(discriminator: str, variants: Mapping[str, str]) -> Schema:
    return {
        "oneOf": [ref(name) for name in variants.values()],
        "discriminator": {
            "propertyName": discriminator,
            "mapping": {value: _REF + name for value, name in variants.items()},
        },
    }


def _cleaned(spec: Mapping[str, Any]) -> Schema:
    """A provider schema's field for the document: no defaults, no gwctl extensions, and
    patterns that every regex dialect reads as the store does."""
    cleaned = {
        name: value
        for name, value in spec.items()
        if name not in _DROPPED and not name.startswith("x-gwctl-")
    }
    if "pattern" in cleaned:
        cleaned["pattern"] = portable_pattern(cleaned["pattern"])
    return cleaned


def portable_pattern(pattern: str) -> str:
    """`pattern` with `\\s` and `\\S` spelled as the characters Python's re means by them."""
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        pair = pattern[index : index + 2]
        if pair in (r"\s", r"\S"):
            if in_class and pair == r"\S":
                raise ValueError(f"cannot spell \\S inside a character class: {pattern}")
            negated = "^" if pair == r"\S" else ""
            out.append(_WHITESPACE if in_class else f"[{negated}{_WHITESPACE}]")
            index += 2
            continue
        if char == "\\":
            out.append(pair)
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def _camel(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.replace("_", "-").split("-"))
