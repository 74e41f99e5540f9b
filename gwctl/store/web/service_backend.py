"""The `WebBackend` over the store's own domain layer: `GatewayStore` (gwctl.store.service),
API tokens (gwctl.store.tokens) and DB-backed web sessions (gwctl.store.sessions).

The store app keeps its `GatewayStore` in `app.state.store`. Gateways come back as the REST
API's JSON (masked credentials); the store's typed errors become the web page's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from gwctl.store import errors, sessions
from gwctl.store.context import WriteContext
from gwctl.store.service import GatewayStore

from .backend import (
    Actor,
    AuditEntry,
    BackendError,
    Conflict,
    FieldError,
    Forbidden,
    Gateway,
    NotFound,
    Principal,
    ValidationFailed,
    VersionMismatch,
    WebSession,
)

PAGE_SIZE = 1000


@contextmanager
def _translated() -> Iterator[None]:
    """Turn the store's errors into the web page's (messages never quote a secret)."""
    try:
        yield
    except errors.ValidationFailed as exc:
        raise ValidationFailed(
            exc.message,
            [
                FieldError(str(d.get("pointer", "")), str(d.get("message", exc.message)))
                for d in exc.details
            ]
            or [FieldError("", exc.message)],
        ) from None
    except errors.PayloadTooLarge as exc:
        raise ValidationFailed(exc.message, [FieldError("/logo", exc.message)]) from None
    except errors.VersionMismatch as exc:
        raise VersionMismatch(exc.message) from None
    except errors.NotFound as exc:
        raise NotFound(exc.message) from None
    except errors.LockHeld as exc:
        raise Conflict(
            "Not saved: gwctl is applying changes right now (" + exc.message + "). "
            "Try again in a moment."
        ) from None
    except errors.Conflict as exc:
        pointers = [str(d["pointer"]) for d in exc.details if d.get("pointer")]
        raise Conflict(exc.message, pointers[0] if pointers else None) from None
    except (errors.Forbidden, errors.Unauthorized) as exc:
        raise Forbidden(exc.message) from None
    except errors.ApiError as exc:
        raise BackendError(exc.message) from None


class ServiceBackend:
    """The web page's view of a `GatewayStore`."""

    def __init__(self, store: GatewayStore) -> None:
        self.store = store

    # -- sign-in and sessions ----------------------------------------------------------------

    def authenticate(self, token: str) -> Principal | None:
        principal = self.store.authenticate(token)
        return None if principal is None else Principal(principal.token_name, principal.role)

    def create_session(self, principal: Principal) -> WebSession:
        session_id, csrf_token = sessions.create_session(
            self.store.engine, principal.token_name, principal.role
        )
        return WebSession(session_id, principal, csrf_token)

    def get_session(self, session_id: str) -> WebSession | None:
        found = sessions.get_session(self.store.engine, session_id)
        if found is None:
            return None
        return WebSession(session_id, Principal(found.token_name, found.role), found.csrf_token)

    def delete_session(self, session_id: str) -> None:
        sessions.delete_session(self.store.engine, session_id)

    # -- gateways ----------------------------------------------------------------------------

    def list_gateways(self) -> list[Gateway]:
        items: list[Gateway] = []
        cursor: str | None = None
        while True:
            page = self.store.list_gateways(limit=PAGE_SIZE, cursor=cursor)
            items.extend(item.model_dump(mode="json") for item in page.items)
            if page.next_cursor is None:
                return items
            cursor = page.next_cursor

    def get_gateway(self, key: str) -> Gateway | None:
        try:
            return self.store.get_gateway(key).model_dump(mode="json")
        except errors.NotFound:
            return None

    @staticmethod
    def _context(actor: Actor) -> WriteContext:
        return WriteContext(token_name=actor.token_name, actor=actor.actor)

    def create_gateway(self, write: Mapping[str, Any], actor: Actor) -> Gateway:
        with _translated():
            created = self.store.create_gateway(dict(write), self._context(actor))
        return created.model_dump(mode="json")

    def update_gateway(
        self, key: str, write: Mapping[str, Any], if_version: int, actor: Actor
    ) -> Gateway:
        with _translated():
            updated = self.store.update_gateway(
                key, dict(write), if_version=if_version, context=self._context(actor)
            )
        return updated.model_dump(mode="json")

    def delete_gateway(self, key: str, if_version: int, actor: Actor) -> None:
        with _translated():
            self.store.delete_gateway(key, if_version=if_version, context=self._context(actor))

    def history(self, key: str) -> list[AuditEntry]:
        entries: list[AuditEntry] = []
        cursor: str | None = None
        while True:
            page = self.store.list_audit(key=key, limit=PAGE_SIZE, cursor=cursor)
            entries.extend(item.model_dump(mode="json") for item in page.items)
            if page.next_cursor is None:
                return entries
            cursor = page.next_cursor

    def logo(self, key: str) -> tuple[bytes, str] | None:
        try:
            image = self.store.get_logo(key)
        except errors.NotFound:
            return None
        return None if image is None else (image.data, image.content_type)


def backend_for_app(app: FastAPI) -> ServiceBackend:
    """The adapter over the store the app serves (`app.state.store`)."""
    store = getattr(app.state, "store", None)
    if not isinstance(store, GatewayStore):
        raise RuntimeError("the web page needs the store app's GatewayStore in app.state.store")
    return ServiceBackend(store)


__all__ = ["ServiceBackend", "backend_for_app"]
