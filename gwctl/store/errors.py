"""Typed errors of the store's domain layer; the API turns each into the contract's JSON error.

Every error carries a machine `code`, a `message` for people and `details` (a list of JSON
objects, e.g. `{"pointer": "/sending_pattern", "message": "..."}`). Messages never quote a
credential value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import JSONResponse

from gwctl.core.schema_checks import Violation
from gwctl.errors import GwctlError


class ApiError(GwctlError):
    """Base of every error the store reports to a client."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(self, message: str, details: Iterable[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[dict[str, Any]] = [dict(item) for item in details]

    def for_operation(self, index: int) -> ApiError:
        """The same error, with every detail (or one new detail) naming a changeset operation."""
        details = self.details or [{"message": self.message}]
        self.details = [{**detail, "operation": index} for detail in details]
        return self

    def to_json(self) -> dict[str, Any]:
        """The contract's error body: `{"error": {"code", "message", "details"}}`."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def error_response(error: ApiError) -> JSONResponse:
    """The HTTP response of an error: its status and the contract's JSON body."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(error.to_json(), status_code=error.status, headers=headers)


class Unauthorized(ApiError):
    code = "unauthorized"
    status = 401


class TooManyRequests(ApiError):
    """Too many failed attempts from this client address: wait `retry_after` seconds."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, [{"retry_after": retry_after}])
        self.retry_after = retry_after


class Forbidden(ApiError):
    code = "forbidden"
    status = 403


class NotFound(ApiError):
    code = "not_found"
    status = 404


class Conflict(ApiError):
    """A duplicate key or Gateway Name (or another uniqueness rule)."""

    code = "conflict"
    status = 409


class Protected(ApiError):
    """A write the gateway's `protect: true` forbids: a delete, or removing the protection
    together with other changes (removing it is a write of its own)."""

    code = "protected"
    status = 409


class LockHeld(ApiError):
    """Another apply lock is held; `details[0]` is that lock."""

    code = "lock_held"
    status = 409


class LockLost(ApiError):
    """A write presents a lock that is no longer the store's lock (expired or forced)."""

    code = "lock_lost"
    status = 409


class VersionMismatch(ApiError):
    code = "version_mismatch"
    status = 412


class PreconditionRequired(ApiError):
    code = "precondition_required"
    status = 428


class PayloadTooLarge(ApiError):
    code = "payload_too_large"
    status = 413


class ValidationFailed(ApiError):
    """Invalid input; `details` holds one `{"pointer", "message"}` per problem."""

    code = "validation_failed"
    status = 422

    @classmethod
    def from_violations(
        cls, violations: Iterable[Violation], prefix: str = "", message: str | None = None
    ) -> ValidationFailed:
        details = [
            {"pointer": prefix + violation.pointer, "message": violation.message}
            for violation in violations
        ]
        count = len(details)
        summary = message or (
            details[0]["message"] if count == 1 else f"{count} fields are invalid"
        )
        return cls(summary, details)


class IdempotencyKeyReused(ApiError):
    """An Idempotency-Key sent again with a different request body."""

    code = "idempotency_key_reused"
    status = 422


class StoreConfigError(GwctlError):
    """The store cannot start: bad database URL, unreadable or wrong encryption key."""


class AuditBroken(ApiError):
    """The audit log no longer continues its last signed checkpoint: the store refuses to
    sign (and so to write) over it."""

    code = "audit_broken"
    status = 409
