"""Typed views of the data the store's API answers and of a saved plan file.

They describe JSON as docs/store-api.md and docs/plan-format.md define it; nothing checks it
at run time except where noted (`gwctl.reconcile.apply.read_saved_plan`). A credential's view
never holds a secret value: the API sends masks and fingerprints, and a value only for an
identifier (Twilio `account_sid`, Clickatell `username`).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class GatewayLogo(TypedDict):
    content_type: str
    sha256: str
    size: int
    url: str


class GatewayCredential(TypedDict):
    column: str  # the seed's store column: api_key, secret_key, username or password
    secret: bool
    mask: str
    fingerprint: str | None  # None: unknown (no gwctl apply set one since it changed)
    value: NotRequired[str]  # identifiers only: a secret is never sent in clear


class Gateway(TypedDict):
    """A live gateway as `GET /api/v1/gateways` lists it."""

    key: str
    provider: str
    company_name: str
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None
    signup_link: str | None
    logo: GatewayLogo | None
    credentials: dict[str, GatewayCredential]
    managed_by: str
    protect: bool
    applied_digest: str | None
    version: int
    created_at: str
    created_by: str | None
    updated_at: str
    updated_by: str | None


class GatewayWrite(TypedDict, total=False):
    """A create or update body: what `PUT` leaves out keeps its stored value."""

    key: str
    provider: str
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None
    signup_link: str | None
    protect: bool
    logo: dict[str, str] | None  # {"sha256"} inside a changeset, else {"content_type", "data"}
    credentials: dict[str, str]  # values in clear: built at the moment of the write only
    managed_by: str
    applied_digest: str
    credential_fingerprints: dict[str, str]  # under the repository's key, for the store to keep


class ChangesetOutcome(TypedDict):
    op: str
    key: str
    version: int | None  # None for a delete


class ChangesetResult(TypedDict):
    changeset_id: str
    results: list[ChangesetOutcome]


class LockInfo(TypedDict):
    """The apply lock; `details[0]` of a 409 `lock_held` carries the same."""

    id: str
    holder: str
    reason: str | None
    ci_job: str | None
    source_commit: str | None
    token_name: str | None
    acquired_at: str
    expires_at: str
    lease_seconds: int


class LockState(TypedDict):
    held: bool
    lock: NotRequired[LockInfo]  # only while held


class AuditEntry(TypedDict):
    seq: int
    at: str
    actor: str
    token_name: str | None
    action: str
    key: str | None
    fields: list[str]  # changed field names (credentials.<name>), never values
    source_commit: str | None
    plan_id: str | None
    changeset_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class PlanFieldEntry(TypedDict):
    field: str
    sensitive: bool
    old: Any  # None when sensitive
    new: Any


class PlanChangeEntry(TypedDict):
    action: str  # create | update | rename | delete
    key: str
    from_key: str | None
    provider: str
    name: str
    live_version: int | None
    fields: list[PlanFieldEntry]


class PlanFile(TypedDict):
    """A plan as `gwctl plan --format json` prints it and `-o` saves it. Apply reads back
    only the fields that are not NotRequired: a tool may drop the others."""

    format_version: int
    plan_id: str
    store: str
    prune: bool
    inputs_digest: str
    live_versions: dict[str, int]
    created_at: NotRequired[str]
    summary: NotRequired[dict[str, int]]
    changes: NotRequired[list[PlanChangeEntry]]
    unchanged: NotRequired[list[str]]
    kept_without_prune: NotRequired[list[str]]
    unmanaged: NotRequired[list[str]]


class LogoUpload(TypedDict):
    content_type: str
    data: str  # base64


class ChangesetOperation(TypedDict, total=False):
    op: str  # create | update | rename | delete
    key: str | None  # every op but create; for a rename the old key
    new_key: str  # rename
    if_version: int | None  # every op but create
    gateway: GatewayWrite  # every op but delete


class Changeset(TypedDict):
    operations: list[ChangesetOperation]
    logos: dict[str, LogoUpload]  # by the image's hex SHA-256: each image once
