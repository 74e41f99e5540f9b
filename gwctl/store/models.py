"""The store's data as clients see it: pydantic models of API responses and request bodies.

The service layer returns these models, the API serializes them, the OpenAPI document is
generated from them. The gateway and changeset write bodies are validated by
gwctl.store.validation with the provider schemas; their OpenAPI schemas are built from those
same schemas (gwctl.store.api.write_schemas).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Role = Literal["admin", "read"]


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    return text


StorableText = Annotated[str, AfterValidator(_storable)]
# An RFC 3339 time (gwctl.store.paging.rfc3339), documented as such.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CredentialFieldOut(_Out):
    name: str
    title: str
    column: Literal["api_key", "secret_key", "username", "password"]
    secret: bool


class ProviderOut(_Out):
    """A gateway company and the JSON Schema of its accounts."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    company_name: str
    signup_link: str
    credentials: list[CredentialFieldOut]
    json_schema: dict[str, Any] = Field(alias="schema")


class LogoOut(_Out):
    content_type: Literal["image/png", "image/jpeg"]
    sha256: str
    size: int
    url: str


class CredentialOut(_Out):
    """A stored credential: masked, with gwctl's fingerprint; identifiers also in clear."""

    column: Literal["api_key", "secret_key", "username", "password"]
    secret: bool
    mask: str
    fingerprint: str | None = Field(
        description="HMAC under the config repository's key, as gwctl applied it: opaque to "
        "the store. null: unknown (the value changed without gwctl since)."
    )
    value: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Only for identifiers (not writeOnly), e.g. Twilio account_sid.",
    )


class GatewayOut(_Out):
    """A gateway account as the API returns it (never a secret in clear)."""

    key: str
    provider: str
    company_name: str
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None
    signup_link: str | None
    logo: LogoOut | None
    credentials: dict[str, CredentialOut]
    managed_by: Literal["gwctl", "manual"]
    protect: bool
    applied_digest: str | None
    version: int
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp
    updated_by: str


class GatewayPage(_Out):
    items: list[GatewayOut]
    next_cursor: str | None


class ChangesetResultItem(_Out):
    op: Literal["create", "update", "rename", "delete"]
    key: str
    version: int | None = Field(description="The new version; null for a delete.")


class ChangesetResult(_Out):
    changeset_id: str
    results: list[ChangesetResultItem]


class LockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder: StorableText = Field(min_length=1, max_length=255)
    reason: StorableText | None = Field(default=None, max_length=500)
    ttl_seconds: int = Field(
        default=60,
        ge=1,
        le=86400,
        description="The lease: the lock expires this long after it was taken or last renewed "
        "(POST /lock/{id}/renew), so a holder that dies frees the store within it.",
    )
    ci_job: StorableText | None = Field(default=None, max_length=255)
    source_commit: StorableText | None = Field(default=None, max_length=255)


class LockOut(_Out):
    id: str
    holder: str
    reason: str | None
    ci_job: str | None
    source_commit: str | None
    token_name: str | None
    acquired_at: str
    expires_at: str
    lease_seconds: int = Field(description="How far each renewal moves expires_at.")


class LockStatus(_Out):
    held: bool
    lock: LockOut | None = Field(
        default=None, exclude_if=lambda lock: lock is None, description="Present only while held."
    )


class AuditEntryOut(_Out):
    seq: int
    at: Timestamp
    actor: str
    token_name: str | None
    action: str
    key: str | None
    fields: list[str]
    source_commit: str | None
    plan_id: str | None
    changeset_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(_Out):
    items: list[AuditEntryOut]
    next_cursor: str | None


class BrokenEntry(_Out):
    seq: int
    reason: str


class CheckpointOut(_Out):
    """A signed head of the audit chain (docs/threat-model.md); save it outside the store."""

    format: Literal["gwctl-audit-checkpoint/1"] = "gwctl-audit-checkpoint/1"
    seq: int = Field(ge=1, description="The entry it vouches for, and every one before it.")
    hash: str = Field(description="That entry's hash.")
    at: str = Field(description="When it was signed (RFC 3339), as signed.")
    key_id: str = Field(description="The signing key: first 16 hex digits of SHA-256 of it.")
    signature: str = Field(
        description="Base64 Ed25519 signature over the canonical JSON of "
        "format, seq, hash, at and key_id."
    )


class CheckpointPage(_Out):
    items: list[CheckpointOut]
    next_cursor: str | None


class SigningKeyOut(_Out):
    key_id: str
    public_key_pem: str = Field(description="The Ed25519 public key checkpoints verify with.")


class AuditVerification(_Out):
    ok: bool
    entries: int
    first_broken: BrokenEntry | None
    problems: list[BrokenEntry] = Field(description="Everything found, by the entry it starts at.")
    checkpoint_seq: int | None = Field(
        description="The newest signed checkpoint that vouches for the log, if any."
    )


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    details: list[dict[str, Any]]


class ErrorBody(BaseModel):
    """Every error: `{"error": {"code", "message", "details"}}`."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorInfo


class Health(_Out):
    status: Literal["ok"]


class Readiness(_Out):
    status: Literal["ready", "not_ready"]
    reason: str | None = Field(description="Why the store cannot serve now (null when ready).")
