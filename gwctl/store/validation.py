"""Validation of gateway writes with the provider schemas, and of logos (gwctl.core.logos).

Every problem of a write is collected, then raised once as ValidationFailed whose details
carry one JSON pointer per invalid field. The account part is checked against the provider's
schema (the same files the CLI uses), the credentials against its `$defs/credentials`.
Messages never quote credential values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from gwctl.core.logos import LOGO_MAGIC as LOGO_TYPES
from gwctl.core.logos import MAX_LOGO_BYTES as LOGO_MAX_BYTES
from gwctl.core.logos import logo_problem
from gwctl.core.model import KEY_PATTERN, PLAIN_FIELDS
from gwctl.core.names import name_identity
from gwctl.core.providers import Provider
from gwctl.core.schema_checks import Violation
from gwctl.store.errors import ValidationFailed

MANAGED_BY: Final = ("gwctl", "manual")
APPLIED_DIGEST_MAX: Final = 256
FINGERPRINT_MAX: Final = 128  # the width of a *_fingerprint column
WRITE_FIELDS: Final = (
    "key",
    "provider",
    "name",
    "status",
    "sending_pattern",
    "fallback_sender_id",
    "description",
    "signup_link",
    "logo",
    "credentials",
    "managed_by",
    "protect",
    "applied_digest",
    "credential_fingerprints",
)
# Fields checked by the provider's account schema; the optional texts may also be null.
ACCOUNT_FIELDS: Final = ("provider", *PLAIN_FIELDS)
NULLABLE_FIELDS: Final = ("description", "signup_link")


@dataclass(frozen=True)
class CheckedLogo:
    """A logo image the store received, checked (the config side has core.model.Logo)."""

    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Keep:
    """Marker: the write leaves this field out, so the stored value stays."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()


@dataclass(frozen=True)
class GatewayInput:
    """A write that passed validation (credentials are checked once merged, see below)."""

    key: str | None
    provider: Provider
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None
    signup_link: str | None
    logo: CheckedLogo | Keep | None
    credentials: dict[str, str]
    managed_by: str | Keep
    protect: bool | Keep
    applied_digest: str | None
    credential_fingerprints: dict[str, str]  # computed by gwctl, kept as they come

    def __repr__(self) -> str:  # never show credential values
        return f"GatewayInput(key={self.key!r}, provider={self.provider.id!r}, name={self.name!r})"


def unstorable_text(data: Any, path: tuple[str | int, ...] = ()) -> list[Violation]:
    """Strings no database can store: with NUL characters, or not valid Unicode."""
    if isinstance(data, str):
        if "\x00" in data or not _encodable(data):
            return [Violation(path, "text must not contain NUL characters or invalid Unicode")]
        return []
    if isinstance(data, dict):
        found = [v for name in data for v in unstorable_text(str(name), (*path, str(name)))]
        return found + [
            v for name, item in data.items() for v in unstorable_text(item, (*path, str(name)))
        ]
    if isinstance(data, list):
        return [v for index, item in enumerate(data) for v in unstorable_text(item, (*path, index))]
    return []


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalize_name(name: str) -> str:
    """The form of a Gateway Name that must be unique (gwctl.core.names, the CLI's rule)."""
    return name_identity(name)


def parse_gateway_write(
    data: Any,
    providers: Mapping[str, Provider],
    *,
    key: str | None = None,
    stored: tuple[str, Mapping[str, str]] | None = None,
    logos: Mapping[str, CheckedLogo] | None = None,
) -> GatewayInput:
    """Check a create (`key` None: the body's `key` is required) or update body.

    For an update, `key` is the gateway's key from the URL or operation (the body may repeat
    it) and `stored` the gateway's provider id and credentials: credentials left out of the
    body keep these values (unless the provider changes). The result's `credentials` are
    the merged, complete set. `logos`, by SHA-256: the images of the changeset this write
    belongs to, which its `"logo": {"sha256": ...}` may name.
    """
    if not isinstance(data, dict):
        raise ValidationFailed.from_violations([Violation((), "the gateway must be a JSON object")])
    unstorable = unstorable_text(data)
    if unstorable:
        raise ValidationFailed.from_violations(unstorable)
    problems = [
        Violation((name,), f"unknown field '{name}'; allowed fields: {', '.join(WRITE_FIELDS)}")
        for name in data
        if name not in WRITE_FIELDS
    ]
    problems += _key_problems(data.get("key"), key)
    provider = providers.get(data["provider"]) if isinstance(data.get("provider"), str) else None
    if provider is None:
        options = ", ".join(sorted(providers))
        problems.append(Violation(("provider",), f"'provider' must be one of: {options}"))
    else:
        account = {
            name: data[name]
            for name in ACCOUNT_FIELDS
            if name in data and not (name in NULLABLE_FIELDS and data[name] is None)
        }
        problems += provider.validate_account(account)
    logo, logo_problems = _parse_logo(data, logos or {})
    problems += logo_problems
    problems += _metadata_problems(data)
    credentials = data.get("credentials", {})
    if not isinstance(credentials, dict):
        problems.append(Violation(("credentials",), "'credentials' must be a JSON object"))
    elif provider is not None:
        if stored is not None and stored[0] == provider.id:
            credentials = {**stored[1], **credentials}
        problems += _credential_problems(provider, credentials)
    if problems or provider is None:
        raise ValidationFailed.from_violations(problems)
    return GatewayInput(
        key=key if key is not None else data["key"],
        provider=provider,
        name=data["name"],
        status=data["status"],
        sending_pattern=data["sending_pattern"],
        fallback_sender_id=data["fallback_sender_id"],
        description=data.get("description"),
        signup_link=data.get("signup_link"),
        logo=logo,
        credentials=dict(credentials),
        managed_by=data["managed_by"] if data.get("managed_by") is not None else KEEP,
        protect=data.get("protect", KEEP),
        applied_digest=data.get("applied_digest"),
        credential_fingerprints=dict(data.get("credential_fingerprints") or {}),
    )


def _credential_problems(provider: Provider, credentials: Mapping[str, Any]) -> list[Violation]:
    return [
        Violation(("credentials", *violation.path), violation.message, violation.code)
        for violation in provider.validate_credentials(dict(credentials))
    ]


def check_key(key: Any, path: tuple[str | int, ...] = ("key",)) -> list[Violation]:
    """Problems of a gateway key: lowercase letters, digits and '-', like a file stem."""
    if isinstance(key, str) and KEY_PATTERN.match(key):
        return []
    return [
        Violation(
            path,
            "a key is 1 to 63 lowercase letters, digits or '-' (not at either end), "
            "e.g. 'infobip-primary'",
        )
    ]


def parse_logo(data: bytes, content_type: str | None) -> CheckedLogo:
    """Check an uploaded logo (raw body) with the logo rule of gwctl.core.logos."""
    problems = logo_problems(data, content_type)
    if problems:
        raise ValidationFailed.from_violations(problems)
    assert content_type is not None
    return CheckedLogo(data, content_type)


def logo_problems(
    data: bytes,
    content_type: str | None,
    data_path: tuple[str | int, ...] = (),
    type_path: tuple[str | int, ...] = (),
) -> list[Violation]:
    """Why `data` is not an acceptable logo of `content_type` (gwctl.core.logos), if it is not:
    a content type that does not match the image is the type's problem."""
    problem = logo_problem(data, content_type)
    if problem is None:
        return []
    return [Violation(type_path if problem.code == "logo_mismatch" else data_path, problem.message)]


def _key_problems(body_key: Any, url_key: str | None) -> list[Violation]:
    if url_key is None:
        if body_key is None:
            return [Violation(("key",), "missing required field 'key'", "missing")]
        return check_key(body_key)
    if body_key is not None and body_key != url_key:
        return [
            Violation(
                ("key",),
                f"must be '{url_key}' (the gateway's key) or left out; to change a key, "
                "use a changeset 'rename' operation",
            )
        ]
    return []


def _parse_logo(
    data: Mapping[str, Any], logos: Mapping[str, CheckedLogo]
) -> tuple[CheckedLogo | Keep | None, list[Violation]]:
    if "logo" not in data:
        return KEEP, []
    value = data["logo"]
    if value is None:
        return None, []
    if isinstance(value, dict) and set(value) == {"sha256"}:
        return _logo_by_digest(value["sha256"], logos)
    return parse_logo_value(value, ("logo",))


def parse_logo_value(value: Any, at: tuple[str, ...]) -> tuple[CheckedLogo | None, list[Violation]]:
    """A logo written as `{"content_type", "data": base64}` at path `at` of a body."""
    if not isinstance(value, dict) or set(value) != {"content_type", "data"}:
        return None, [
            Violation(
                at,
                '\'logo\' must be {"content_type", "data"}, null, or '
                "{\"sha256\"} of an image in a changeset's 'logos'",
            )
        ]
    content_type, encoded = value["content_type"], value["data"]
    if not isinstance(content_type, str) or content_type not in LOGO_TYPES:
        return None, [Violation((*at, "content_type"), "must be image/png or image/jpeg")]
    if not isinstance(encoded, str) or len(encoded) > LOGO_MAX_BYTES * 4 // 3 + 4:
        return None, [Violation((*at, "data"), "the logo must be at most 256 KiB")]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None, [Violation((*at, "data"), "must be base64 encoded")]
    problems = logo_problems(raw, content_type, (*at, "data"), (*at, "content_type"))
    return (None, problems) if problems else (CheckedLogo(raw, content_type), [])


def _logo_by_digest(
    digest: Any, logos: Mapping[str, CheckedLogo]
) -> tuple[CheckedLogo | None, list[Violation]]:
    """A logo named by its SHA-256: only a changeset carries images to name (`logos`)."""
    found = logos.get(digest) if isinstance(digest, str) else None
    if found is None:
        return None, [
            Violation(
                ("logo", "sha256"),
                "no image with this SHA-256 in the changeset's 'logos': send each image there once",
            )
        ]
    return found, []


def _metadata_problems(data: Mapping[str, Any]) -> list[Violation]:
    problems = []
    managed_by = data.get("managed_by")
    if managed_by is not None and managed_by not in MANAGED_BY:
        problems.append(Violation(("managed_by",), "'managed_by' must be one of: gwctl, manual"))
    digest = data.get("applied_digest")
    if digest is not None and not (isinstance(digest, str) and len(digest) <= APPLIED_DIGEST_MAX):
        problems.append(
            Violation(("applied_digest",), "'applied_digest' must be a string of ≤ 256 characters")
        )
    return problems + _fingerprint_problems(data.get("credential_fingerprints"))


def _fingerprint_problems(fingerprints: Any) -> list[Violation]:
    if fingerprints is None:
        return []
    if not isinstance(fingerprints, dict) or not all(
        isinstance(name, str) and isinstance(value, str) and 0 < len(value) <= FINGERPRINT_MAX
        for name, value in fingerprints.items()
    ):
        return [
            Violation(
                ("credential_fingerprints",),
                "'credential_fingerprints' must map credential names to strings of ≤ "
                f"{FINGERPRINT_MAX} characters",
            )
        ]
    return []
