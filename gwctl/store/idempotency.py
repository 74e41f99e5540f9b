"""Idempotency keys of changesets: a retried request returns the first response, applied once.

The request is remembered by an HMAC (keyed with a subkey of the store key) of its
operations' canonical JSON, so the stored hash is no offline oracle for the credentials the
body carried. Keys are kept 24 hours. Runs inside the changeset's write transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gwctl.core.audit_chain import canonical_json
from gwctl.store.changesets import Changeset
from gwctl.store.crypto import CredentialCipher
from gwctl.store.db import IdempotencyRow, now_utc
from gwctl.store.errors import IdempotencyKeyReused

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def request_hash(cipher: CredentialCipher, changeset: Changeset) -> str:
    """A keyed digest of a changeset: equal bodies, equal digests.

    Fed one operation at a time: the canonical JSON of 10,000 operations at once would be
    another copy of the whole request in memory. Canonical JSON holds no raw newline, so
    the newline between operations frames them unambiguously. Images count by SHA-256 and
    type (their keys were checked against their bytes)."""
    mac = hmac.new(cipher.derive("idempotency"), b"gwctl-changeset/2\n", hashlib.sha256)
    for operation in changeset.operations:
        mac.update(canonical_json(operation))
        mac.update(b"\n")
    mac.update(
        canonical_json({digest: logo.content_type for digest, logo in changeset.logos.items()})
    )
    return mac.hexdigest()


def lookup(session: Session, key: str, digest: str) -> StoredResponse | None:
    """The response stored for `key`; IdempotencyKeyReused if it came with another body."""
    now = now_utc()
    session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at <= now - RETENTION))
    row = session.get(IdempotencyRow, key)
    if row is None:
        return None
    if not hmac.compare_digest(row.request_hash, digest):
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request: use a new key per changeset",
            [{"parameter": "Idempotency-Key"}],
        )
    return StoredResponse(row.status_code, json.loads(row.response))


def remember(session: Session, key: str, digest: str, response: StoredResponse) -> None:
    """Store the response of the request first sent with `key`."""
    session.add(
        IdempotencyRow(
            key=key,
            request_hash=digest,
            status_code=response.status_code,
            response=json.dumps(response.body),
            created_at=now_utc(),
        )
    )
