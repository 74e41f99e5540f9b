"""Web page sessions of signed-in users, kept in the database so that several server
processes share them.

A person signs in with a user name and password (gwctl.store.signins) and then carries a
session id in a cookie. The store keeps only the SHA-256 of the session id, the user's name
and role, and a CSRF secret that every form must echo. A session ends when it expires, on
sign-out, when its user is disabled, or when its user changes the password elsewhere; the
role is read from the user on every request, so a changed role applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from gwctl.store.context import Principal
from gwctl.store.db import WebSessionRow, now_utc, read_transaction, write_transaction
from gwctl.store.users import principal_for_user

SESSION_TTL = timedelta(hours=8)


@dataclass(frozen=True)
class WebSession:
    """A live session: its id (the cookie's value), who signed in, the CSRF token its forms
    carry, when it ends."""

    session_id: str
    principal: Principal
    csrf_token: str
    expires_at: datetime

    @property
    def user_name(self) -> str:
        return self.principal.token_name

    @property
    def id_hash(self) -> str:
        """What the database keeps of this session's id."""
        return session_id_hash(self.session_id)

    @property
    def role(self) -> str:
        return self.principal.role

    def csrf_matches(self, presented: str | None) -> bool:
        """Whether a form's CSRF token is this session's (constant-time comparison)."""
        return presented is not None and hmac.compare_digest(
            presented.encode("utf-8"), self.csrf_token.encode("utf-8")
        )


def session_id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_session_in(
    session: Session, user_name: str, role: str, *, ttl: timedelta = SESSION_TTL
) -> tuple[str, str]:
    """Start a session for a user who just signed in, inside the caller's write transaction;
    return `(session_id, csrf_token)`.

    Put `session_id` in an HttpOnly, SameSite cookie and `csrf_token` in every form.
    Expired sessions of anyone are purged on the way.
    """
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    now = now_utc()
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
    session.add(
        WebSessionRow(
            id_hash=session_id_hash(session_id),
            user_name=user_name,
            role=role,
            csrf_secret=csrf_token,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return session_id, csrf_token


def get_session(engine: Engine, session_id: str | None) -> WebSession | None:
    """The live session of a cookie value, or None (unknown, expired, or its user disabled)."""
    if not session_id or len(session_id) > 200:
        return None

    def work(session: Session) -> WebSession | None:
        row = session.get(WebSessionRow, session_id_hash(session_id))
        if row is None or row.expires_at <= now_utc():
            return None
        principal = principal_for_user(session, row.user_name)
        if principal is None:
            return None
        return WebSession(session_id, principal, row.csrf_secret, row.expires_at)

    return read_transaction(engine, work)


def delete_session(engine: Engine, session_id: str | None) -> None:
    """End a session (sign-out). Unknown ids are ignored."""
    if not session_id:
        return
    write_transaction(
        engine,
        lambda session: session.execute(
            delete(WebSessionRow).where(WebSessionRow.id_hash == session_id_hash(session_id))
        ),
    )
