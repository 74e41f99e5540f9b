"""The store's REST API as seen by gwctl (httpx): retries, idempotency, audit context.

Retries use exponential backoff with full jitter on connection errors, 429 and 5xx, and
honour `Retry-After`; a 4xx is never retried. Every write carries an `Idempotency-Key`
(changesets) and the audit context headers, so a retried request never doubles a change
and every change is traceable to an actor, a commit and a plan.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from gwctl.core.api_prefix import API_PREFIX
from gwctl.core.model import Secret
from gwctl.core.views import (
    AuditEntry,
    Changeset,
    ChangesetResult,
    Gateway,
    GatewayWrite,
    LockInfo,
    LockState,
)
from gwctl.errors import GwctlError

API = API_PREFIX
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class StoreError(GwctlError):
    """The store refused a request or could not be reached. Never carries a secret."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "store_error",
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or []


@dataclass(frozen=True)
class AuditContext:
    """Who is writing and from what, recorded by the store with every write."""

    actor: str
    source_commit: str | None = None
    plan_id: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"X-Gwctl-Actor": self.actor}
        if self.source_commit:
            headers["X-Gwctl-Source-Commit"] = self.source_commit
        if self.plan_id:
            headers["X-Gwctl-Plan-Id"] = self.plan_id
        return headers


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_delay)
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # noqa: S311


@dataclass(frozen=True)
class Lock:
    id: str
    holder: str
    reason: str
    expires_at: str
    lease_seconds: int
    raw: LockInfo


class StoreClient:
    """Typed calls of the store API over any httpx.Client (HTTP, or in-process ASGI)."""

    def __init__(
        self, http: httpx.Client, audit: AuditContext, retry: RetryPolicy | None = None
    ) -> None:
        self.http = http
        self.audit = audit
        self.retry = retry or RetryPolicy()

    # -- reads ---------------------------------------------------------------------------
    # Answers are cast to the documented shapes (gwctl.core.views), not checked: the store
    # validates what it writes, and a field it lacks fails loudly where it is read.
    def list_gateways(self) -> list[Gateway]:
        return list(self.gateways())

    def gateways(self) -> Iterator[Gateway]:
        """Every gateway, one page (1,000) at a time: a caller that keeps only part of each
        never holds more than a page of full gateways."""
        return cast(Iterator[Gateway], self._pages(f"{API}/gateways", {"limit": 1000}))

    def get_gateway(self, key: str) -> Gateway | None:
        response = self._request("GET", f"{API}/gateways/{key}", allow=(404,))
        return None if response.status_code == 404 else cast(Gateway, response.json())

    def read_credentials(self, key: str) -> dict[str, Secret]:
        """Admin only, audited by the store: the credentials of an account in clear."""
        values = self._request(
            "GET", f"{API}/gateways/{key}/credentials", headers=self.audit.headers()
        ).json()
        return {str(name): Secret(str(value)) for name, value in values.items()}

    def audit_entries(self, **filters: str | None) -> Iterator[AuditEntry]:
        params = {name: value for name, value in filters.items() if value is not None}
        return cast(Iterator[AuditEntry], self._pages(f"{API}/audit", {"limit": 1000, **params}))

    def checkpoints(self) -> Iterator[dict[str, Any]]:
        """The store's signed checkpoints, oldest first."""
        return self._pages(f"{API}/audit/checkpoints", {"limit": 1000})

    def latest_checkpoint(self) -> dict[str, Any] | None:
        response = self._request("GET", f"{API}/audit/checkpoint", allow=(404,))
        return None if response.status_code == 404 else cast(dict[str, Any], response.json())

    def signing_key_pem(self) -> str:
        """The public key the store says it signs checkpoints with (pin it: --public-key)."""
        return str(self._request("GET", f"{API}/audit/signing-key").json()["public_key_pem"])

    def lock_status(self) -> LockState:
        return cast(LockState, self._request("GET", f"{API}/lock").json())

    # -- writes --------------------------------------------------------------------------
    def apply_changeset(
        self,
        body: bytes,
        *,
        idempotency_key: str,
        lock_id: str | None,
        plan_id: str | None = None,
    ) -> ChangesetResult:
        """POST a changeset encoded by `changeset_body` (every retry sends the same bytes).
        `plan_id`: the plan it applies, when the session was not opened for a saved one."""
        headers = {
            **self.audit.headers(),
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/json",
        }
        if plan_id and not self.audit.plan_id:
            headers["X-Gwctl-Plan-Id"] = plan_id
        if lock_id:
            headers["X-Gwctl-Lock"] = lock_id
        response = self._request("POST", f"{API}/changesets", content=body, headers=headers)
        return cast(ChangesetResult, response.json())

    def update_gateway(self, key: str, body: GatewayWrite, version: int) -> Gateway:
        headers = {**self.audit.headers(), "If-Match": str(version)}
        response = self._request("PUT", f"{API}/gateways/{key}", json=body, headers=headers)
        return cast(Gateway, response.json())

    def acquire_lock(
        self,
        *,
        holder: str,
        reason: str,
        ttl_seconds: int,
        ci_job: str | None,
        source_commit: str | None,
    ) -> Lock:
        body = {
            "holder": holder,
            "reason": reason,
            "ttl_seconds": ttl_seconds,
            "ci_job": ci_job,
            "source_commit": source_commit,
        }
        # one key for every retry of this request: an answer lost on the way gets its lock back
        headers = {**self.audit.headers(), "Idempotency-Key": new_idempotency_key()}
        data = self._request("POST", f"{API}/lock", json=body, headers=headers).json()
        return _lock(cast(LockInfo, data))

    def renew_lock(self, lock_id: str) -> Lock | None:
        """Extend our lock by its lease; None once it is lost (expired and taken, or forced)."""
        response = self._request("POST", f"{API}/lock/{lock_id}/renew", allow=(404,))
        return None if response.status_code == 404 else _lock(cast(LockInfo, response.json()))

    def release_lock(self, lock_id: str) -> None:
        self._request("DELETE", f"{API}/lock/{lock_id}", headers=self.audit.headers(), allow=(404,))

    def force_release_lock(self) -> None:
        self._request(
            "DELETE", f"{API}/lock", params={"force": "true"}, headers=self.audit.headers()
        )

    # -- plumbing ------------------------------------------------------------------------
    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            page = self._request(
                "GET", path, params={**params, "cursor": cursor} if cursor else params
            ).json()
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _request(
        self, method: str, path: str, *, allow: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        last_error = "no attempt made"
        for attempt in range(self.retry.attempts):
            retry_after = None
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                last_error = f"cannot reach the store ({type(exc).__name__})"
            else:
                if response.status_code < 400 or response.status_code in allow:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise _error(response)
                last_error = f"the store answered {response.status_code}"
                retry_after = response.headers.get("Retry-After")
            if attempt + 1 < self.retry.attempts:
                self.retry.sleep(self.retry.delay(attempt, retry_after))
        raise StoreError(
            f"{last_error} after {self.retry.attempts} attempts: {method} {path}",
            code="unavailable",
        )


def changeset_body(changeset: Changeset) -> bytes:
    """A changeset's request body. Encoded once, up front: 10,000 operations weigh several
    times more as Python objects than as JSON, and the caller can drop them before sending."""
    return json.dumps(changeset, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _lock(data: LockInfo) -> Lock:
    return Lock(
        id=str(data["id"]),
        holder=str(data.get("holder", "")),
        reason=str(data.get("reason") or ""),
        expires_at=str(data.get("expires_at")),
        lease_seconds=int(data.get("lease_seconds") or 0),
        raw=data,
    )


def _error(response: httpx.Response) -> StoreError:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    message = error.get("message") or f"the store answered {response.status_code}"
    if response.status_code == 401:
        message = (
            "the store refused the token (401): set GWCTL_TOKEN (or the variable "
            "gwctl.yaml names) to a valid token"
        )
    return StoreError(
        message,
        status=response.status_code,
        code=str(error.get("code", "store_error")),
        details=list(error.get("details") or []),
    )
