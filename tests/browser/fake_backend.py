"""An in-memory `WebBackend` for the fast web tests: validates with the real schemas, masks
credentials like the store does, and records what it was asked to write."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from typing import Any

from gwctl.schemas import get_provider
from gwctl.store.web.backend import (
    Actor,
    AuditEntry,
    Conflict,
    FieldError,
    Gateway,
    NotFound,
    Principal,
    ValidationFailed,
    VersionMismatch,
    WebSession,
)


def mask(value: str) -> str:
    return "••••" if len(value) <= 8 else "••••" + value[-4:]


class FakeBackend:
    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self.tokens = dict(tokens)
        self.sessions: dict[str, WebSession] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, str]] = {}
        self.logos: dict[str, tuple[bytes, str]] = {}
        self.audit: list[dict[str, Any]] = []
        self.writes: list[tuple[str, dict[str, Any], Actor]] = []

    # sessions
    def authenticate(self, token: str) -> Principal | None:
        return self.tokens.get(token)

    def create_session(self, principal: Principal) -> WebSession:
        session = WebSession(secrets.token_urlsafe(16), principal, secrets.token_urlsafe(16))
        self.sessions[session.session_id] = session
        return session

    def get_session(self, session_id: str) -> WebSession | None:
        return self.sessions.get(session_id)

    def delete_session(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    # gateways
    def _out(self, key: str) -> Gateway:
        row = self.rows[key]
        provider = get_provider(row["provider"])
        assert provider is not None
        credentials = {}
        for field in provider.credentials:
            value = self.secrets[key][field.name]
            info: dict[str, Any] = {
                "column": field.column,
                "secret": field.secret,
                "mask": mask(value),
            }
            if not field.secret:
                info["value"] = value
            credentials[field.name] = info
        logo = self.logos.get(key)
        return {
            **row,
            "company_name": provider.company_name,
            "credentials": credentials,
            "logo": {"content_type": logo[1], "size": len(logo[0])} if logo else None,
        }

    def list_gateways(self) -> list[Gateway]:
        return [self._out(key) for key in sorted(self.rows)]

    def get_gateway(self, key: str) -> Gateway | None:
        return self._out(key) if key in self.rows else None

    def _validate(self, write: Mapping[str, Any], creating: bool) -> None:
        provider = get_provider(str(write.get("provider")))
        assert provider is not None
        account = {
            k: v
            for k, v in write.items()
            if k not in ("key", "credentials", "logo", "managed_by", "applied_digest")
            and v is not None
        }
        errors = [FieldError(v.pointer, v.message) for v in provider.validate_account(account)]
        credentials = dict(write.get("credentials") or {})
        if creating:
            problems = provider.validate_credentials(credentials)
        else:
            problems = [
                v for v in provider.validate_credentials(credentials) if v.code != "missing"
            ]
        errors += [FieldError("/credentials" + v.pointer, v.message) for v in problems]
        if errors:
            raise ValidationFailed(f"{len(errors)} fields are invalid", errors)

    def _unique_name(self, name: str, key: str) -> None:
        for other in self.rows.values():
            if other["key"] != key and str(other["name"]).lower() == name.lower():
                raise Conflict(f"Gateway Name '{name}' is already used", "/name")

    def _record(self, action: str, key: str, fields: list[str], actor: Actor) -> None:
        self.audit.append(
            {
                "seq": len(self.audit) + 1,
                "at": "2026-11-24T19:12:04Z",
                "actor": actor.actor,
                "token_name": actor.token_name,
                "action": action,
                "key": key,
                "fields": fields,
                "source_commit": None,
                "plan_id": None,
            }
        )

    def create_gateway(self, write: Mapping[str, Any], actor: Actor) -> Gateway:
        self.writes.append(("create", dict(write), actor))
        self._validate(write, creating=True)
        key = str(write["key"])
        if key in self.rows:
            raise Conflict(f"a gateway with key '{key}' exists", "/key")
        self._unique_name(str(write["name"]), key)
        self.rows[key] = {k: v for k, v in write.items() if k not in ("credentials", "logo")} | {
            "version": 1,
            "managed_by": write.get("managed_by") or "manual",
            "applied_digest": None,
        }
        self.secrets[key] = dict(write["credentials"])
        self._store_logo(key, write)
        self._record("create", key, sorted(k for k in write if k != "key"), actor)
        return self._out(key)

    def update_gateway(
        self, key: str, write: Mapping[str, Any], if_version: int, actor: Actor
    ) -> Gateway:
        self.writes.append(("update", dict(write), actor))
        if key not in self.rows:
            raise NotFound(key)
        if self.rows[key]["version"] != if_version:
            raise VersionMismatch("stale")
        self._validate(write, creating=False)
        self._unique_name(str(write["name"]), key)
        row = self.rows[key]
        changed = [
            k for k, v in write.items() if k not in ("credentials", "logo") and row.get(k) != v
        ]
        for k in changed:
            row[k] = write[k]
        for name, value in (write.get("credentials") or {}).items():
            changed.append(f"credentials.{name}")
            self.secrets[key][name] = value
        self._store_logo(key, write)
        row["version"] += 1
        row["applied_digest"] = None
        self._record("update", key, changed, actor)
        return self._out(key)

    def _store_logo(self, key: str, write: Mapping[str, Any]) -> None:
        if "logo" not in write:
            return
        logo = write["logo"]
        if logo is None:
            self.logos.pop(key, None)
        else:
            self.logos[key] = (base64.b64decode(logo["data"]), logo["content_type"])

    def delete_gateway(self, key: str, if_version: int, actor: Actor) -> None:
        if key not in self.rows:
            raise NotFound(key)
        if self.rows[key]["version"] != if_version:
            raise VersionMismatch("stale")
        del self.rows[key]
        self._record("delete", key, [], actor)

    def history(self, key: str) -> list[AuditEntry]:
        return [entry for entry in self.audit if entry["key"] == key]

    def logo(self, key: str) -> tuple[bytes, str] | None:
        return self.logos.get(key)
