"""The store's data as clients see it: pydantic models of API responses and request bodies.

The service layer returns these models, the API serializes them, the OpenAPI document is
generated from them. Write bodies (`GatewayWrite`, `ChangesetRequest`) are documented here but
validated by gwctl.store.validation, with the provider schemas and JSON-pointer errors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gwctl.core.model import KEY_PATTERN_TEXT

Role = Literal["admin", "read"]


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    return text


StorableText = Annotated[str, AfterValidator(_storable)]


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
    """A stored credential: masked, with a salted fingerprint; identifiers also in clear."""

    column: Literal["api_key", "secret_key", "username", "password"]
    secret: bool
    mask: str
    fingerprint: str
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
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


class GatewayPage(_Out):
    items: list[GatewayOut]
    next_cursor: str | None


class LogoWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: Literal["image/png", "image/jpeg"]
    data: str = Field(description="The image, base64 encoded: PNG or JPEG, at most 256 KiB.")


class LogoRef(BaseModel):
    """An image of the changeset's `logos`, named by its SHA-256 (changesets only)."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(description="Hex SHA-256 of an image the changeset carries in 'logos'.")


class GatewayWrite(BaseModel):
    """A gateway write (create and update). Validated against the provider's schema."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(
        default=None, pattern=KEY_PATTERN_TEXT, description="Required on create."
    )
    provider: str
    name: str = Field(min_length=1, max_length=64)
    status: Literal["active", "inactive"]
    sending_pattern: Literal["batch", "loop"]
    fallback_sender_id: str
    description: str | None = Field(default=None, max_length=500)
    signup_link: str | None = Field(default=None, max_length=2048)
    logo: LogoWrite | LogoRef | None = Field(
        default=None,
        description="Left out: keep the stored logo (update); null: no logo; "
        "{sha256}: an image of the changeset's 'logos' (in a changeset only).",
    )
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="All required on create; on update a credential left out keeps its value.",
    )
    managed_by: Literal["gwctl", "manual"] | None = None
    protect: bool = False
    applied_digest: str | None = Field(default=None, max_length=256)


class CreateOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["create"]
    gateway: GatewayWrite


class UpdateOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["update"]
    key: str
    if_version: int
    gateway: GatewayWrite


class RenameOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["rename"]
    key: str
    new_key: str = Field(pattern=KEY_PATTERN_TEXT)
    if_version: int
    gateway: GatewayWrite | None = None


class DeleteOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["delete"]
    key: str
    if_version: int


Operation = CreateOperation | UpdateOperation | RenameOperation | DeleteOperation


class ChangesetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operations: list[Operation]
    logos: dict[str, LogoWrite] = Field(
        default_factory=dict,
        description="Images the operations name by SHA-256, each sent once: "
        '{"<hex sha256 of the image>": {content_type, data}}.',
    )


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
    at: str
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


class AuditVerification(_Out):
    ok: bool
    entries: int
    first_broken: BrokenEntry | None


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
