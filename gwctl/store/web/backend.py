"""What the web page needs from the store, as a small protocol.

The routes talk only to a `WebBackend`. `gwctl.store.web.service_backend` adapts the store's
domain functions (`gwctl.store.service`, `gwctl.store.sessions`) to it. Gateways and audit
entries are the JSON shapes of the REST API (docs/store-api.md): credentials arrive masked,
never in clear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Gateway = Mapping[str, Any]
AuditEntry = Mapping[str, Any]


@dataclass(frozen=True)
class Principal:
    """Who is signed in: the API token's name and role ("admin" or "read")."""

    token_name: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: the DB-backed session and its per-session CSRF secret."""

    session_id: str
    principal: Principal
    csrf_token: str


@dataclass(frozen=True)
class FieldError:
    """An invalid field, located by the JSON pointer of the gateway write ("/sending_pattern")."""

    pointer: str
    message: str


@dataclass(frozen=True)
class Actor:
    """Audit context of a write made from the web page."""

    actor: str
    token_name: str


class BackendError(Exception):
    """A write the store refused; `message` is for people and never quotes a secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(BackendError):
    def __init__(self, message: str, errors: Sequence[FieldError]) -> None:
        super().__init__(message)
        self.errors = list(errors)


class Conflict(BackendError):
    """Duplicate key or Gateway Name, or the apply lock is held."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


class VersionMismatch(BackendError):
    """The account changed since the form was loaded (If-Match failed)."""


class NotFound(BackendError):
    pass


class Forbidden(BackendError):
    pass


class WebBackend(Protocol):
    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid API token, or None."""

    def create_session(self, principal: Principal) -> WebSession: ...

    def get_session(self, session_id: str) -> WebSession | None:
        """The live session with this id, or None when unknown or expired."""

    def delete_session(self, session_id: str) -> None: ...

    def list_gateways(self) -> list[Gateway]:
        """Every gateway, ordered by key."""

    def get_gateway(self, key: str) -> Gateway | None: ...

    def create_gateway(self, write: Mapping[str, Any], actor: Actor) -> Gateway: ...

    def update_gateway(
        self, key: str, write: Mapping[str, Any], if_version: int, actor: Actor
    ) -> Gateway: ...

    def delete_gateway(self, key: str, if_version: int, actor: Actor) -> None: ...

    def history(self, key: str) -> list[AuditEntry]:
        """The audit entries of one account, oldest first."""

    def logo(self, key: str) -> tuple[bytes, str] | None:
        """The logo's bytes and content type, or None."""
