"""People who sign in to the web page: a user name, a role (admin | read) and an argon2id hash.

A password is never stored, logged or audited: the store keeps only its argon2id hash
(argon2-cffi's RFC 9106 low-memory profile), re-hashed on sign-in when those parameters
change. Checking a password costs one argon2 verification whether or not the user exists
(an unknown or disabled user is checked against a dummy hash), so response times do not tell
which names exist. Disabling a user or resetting their password ends their sessions; changing
one's own password ends one's other sessions. Every change is audited (`user_create`,
`user_disable`, `user_enable`, `user_role`, `password_reset`, `password_change`).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Engine, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gwctl.store import audit
from gwctl.store.context import Principal, WriteContext
from gwctl.store.db import (
    MYSQL_TABLE_ARGS,
    Base,
    UTCDateTime,
    WebSessionRow,
    now_utc,
    read_transaction,
    write_transaction,
)
from gwctl.store.errors import Conflict, NotFound, ValidationFailed
from gwctl.store.models import Role
from gwctl.store.tokens import CLI_ACTOR, NAME_PATTERN, ROLES

PASSWORD_MIN = 12
PASSWORD_MAX = 128
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters


class UserRow(Base):
    """A person who signs in to the web page; only an argon2id hash of the password is kept."""

    __tablename__ = "users"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    last_signin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class UserInfo:
    """A user as listed (never a password or its hash)."""

    name: str
    role: Role
    enabled: bool
    created_at: datetime
    created_by: str
    last_signin_at: datetime | None


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a name and password: the principal if they match an enabled
    user, and whether the name is a user at all (for the audit log, never for the client)."""

    principal: Principal | None
    known_user: bool


def password_problem(name: str, password: str) -> str | None:
    """Why `password` cannot be `name`'s password, or None if it can."""
    length = len(password)
    if length < PASSWORD_MIN or length > PASSWORD_MAX:
        return f"a password is {PASSWORD_MIN} to {PASSWORD_MAX} characters (this one: {length})"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password):
        return "a password must not contain control characters"
    folded, user = password.casefold(), name.casefold()
    if folded == user or (len(user) >= 4 and user in folded):
        return "a password must not contain the user name"
    if len(set(password)) < 4:
        return "a password needs at least 4 different characters"
    return None


def create_user(
    engine: Engine, name: str, role: str, password: str, *, actor: str = CLI_ACTOR
) -> None:
    """Create user `name` with `role` (admin | read) and `password`; audited as `user_create`.

    ValidationFailed for a bad name, role or password; Conflict if the name is taken.
    """
    _check(name, role, password)
    password_hash = _HASHER.hash(_normal(password))  # outside the write lock: it is slow
    context = WriteContext(token_name=None, actor=actor)

    def work(session: Session) -> None:
        if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise Conflict(f"a user named '{name}' exists already", [{"pointer": "/name"}])
        session.add(
            UserRow(
                name=name,
                role=role,
                password_hash=password_hash,
                disabled=False,
                created_at=now_utc(),
                created_by=actor,
            )
        )
        audit.append(session, context, "user_create", None, details={"name": name, "role": role})

    write_transaction(engine, work)


def list_users(engine: Engine) -> list[UserInfo]:
    """Every user by name: role, enabled or not, created when and by whom, last sign-in."""

    def work(session: Session) -> list[UserInfo]:
        rows = session.scalars(select(UserRow).order_by(UserRow.name))
        return [
            UserInfo(
                r.name,
                cast(Role, r.role),
                not r.disabled,
                r.created_at,
                r.created_by,
                r.last_signin_at,
            )
            for r in rows
        ]

    return read_transaction(engine, work)


def disable_user(engine: Engine, name: str, *, actor: str = CLI_ACTOR) -> None:
    """Disable user `name` at once: no more sign-ins, and their live sessions end.

    Audited as `user_disable`. NotFound for an unknown name.
    """
    _change_user(engine, name, "user_disable", {}, {"disabled": True}, actor, end_sessions=True)


def enable_user(engine: Engine, name: str, *, actor: str = CLI_ACTOR) -> None:
    """Let disabled user `name` sign in again (with the password they had); `user_enable`."""
    enabled = {"disabled": False}
    _change_user(engine, name, "user_enable", {}, enabled, actor, end_sessions=False)


def set_user_role(engine: Engine, name: str, role: str, *, actor: str = CLI_ACTOR) -> None:
    """Give user `name` `role` (admin | read); their open sessions have it from their next
    request (a session's role is read from the user each time). Audited as `user_role`."""
    if role not in ROLES:
        message = f"role must be one of: {', '.join(ROLES)}"
        raise ValidationFailed(message, [{"pointer": "/role", "message": message}])
    role_set = {"role": role}
    _change_user(engine, name, "user_role", role_set, role_set, actor, end_sessions=False)


def reset_password(engine: Engine, name: str, password: str, *, actor: str = CLI_ACTOR) -> None:
    """An administrator's new password for user `name` (who forgot theirs): every session of
    theirs ends. Audited as `password_reset` (never the password). ValidationFailed if the
    rules refuse it, NotFound for an unknown name."""
    problem = password_problem(name, password)
    if problem is not None:
        raise ValidationFailed(problem, [{"pointer": "/password", "message": problem}])
    new_hash = {"password_hash": _HASHER.hash(_normal(password))}  # outside the write lock
    _change_user(engine, name, "password_reset", {}, new_hash, actor, end_sessions=True)


def _change_user(
    engine: Engine,
    name: str,
    action: str,
    details: dict[str, str],
    values: Mapping[str, object],
    actor: str,
    *,
    end_sessions: bool,
) -> None:
    """Set `values` (columns) on user `name`'s row and audit it as `action`, in one write
    transaction."""
    context = WriteContext(token_name=None, actor=actor)

    def work(session: Session) -> None:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NotFound(f"no user named '{name}'")
        for column, value in values.items():
            setattr(row, column, value)
        if end_sessions:
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_name == name))
        audit.append(session, context, action, None, details={"name": name, **details})

    write_transaction(engine, work)


def verify_password(engine: Engine, name: str, password: str) -> Verified:
    """Check `password` for user `name`: exactly one argon2 verification, whatever the name."""
    row = read_transaction(
        engine,
        lambda session: (
            session.execute(
                select(UserRow.role, UserRow.password_hash, UserRow.disabled).where(
                    UserRow.name == name
                )
            ).first()
            if NAME_PATTERN.match(name)
            else None
        ),
    )
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        matches = len(password) <= PASSWORD_MAX and _HASHER.verify(stored, _normal(password))
    except (VerificationError, InvalidHashError):
        matches = False
    if row is None or row.disabled or not matches:
        return Verified(None, known_user=row is not None)
    return Verified(Principal(token_name=name, role=cast(Role, row.role)), known_user=True)


def record_signin_in(session: Session, name: str, password: str) -> None:
    """Inside the sign-in's write transaction: the user's last sign-in time, and a new hash
    if the stored one was made with other argon2 parameters than today's."""
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    assert row is not None, "a user who just signed in exists"
    row.last_signin_at = now_utc()
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(_normal(password))


def change_password(
    engine: Engine, name: str, current: str, new: str, *, keep_session_hash: str | None = None
) -> None:
    """Set user `name`'s password to `new` if `current` is theirs; their other sessions end
    (all but the one whose id hash is `keep_session_hash`). Audited as `password_change`.

    ValidationFailed naming the field: a wrong current password, or a new one the rules refuse.
    """
    if verify_password(engine, name, current).principal is None:
        raise ValidationFailed(
            "the current password is not right",
            [{"pointer": "/current_password", "message": "not your current password"}],
        )
    problem = password_problem(name, new)
    if problem is not None:
        raise ValidationFailed(problem, [{"pointer": "/new_password", "message": problem}])
    password_hash = _HASHER.hash(_normal(new))
    context = WriteContext(token_name=None, actor=f"web:{name}")

    def work(session: Session) -> None:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None or row.disabled:
            raise NotFound(f"no enabled user named '{name}'")
        row.password_hash = password_hash
        others = delete(WebSessionRow).where(WebSessionRow.user_name == name)
        if keep_session_hash is not None:
            others = others.where(WebSessionRow.id_hash != keep_session_hash)
        session.execute(others)
        audit.append(session, context, "password_change", None, details={"name": name})

    write_transaction(engine, work)


def principal_for_user(session: Session, name: str) -> Principal | None:
    """The principal of user `name` with the role they have now; None if gone or disabled."""
    row = session.execute(
        select(UserRow.role, UserRow.disabled).where(UserRow.name == name)
    ).first()
    if row is None or row.disabled:
        return None
    return Principal(token_name=name, role=cast(Role, row.role))


def _normal(password: str) -> str:
    """The form a password is hashed in (NFKC, as NIST SP 800-63B advises): the same
    password typed on another keyboard or system still matches."""
    return unicodedata.normalize("NFKC", password)


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown users so they cost the same time."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def _check(name: str, role: str, password: str) -> None:
    problems = []
    if not NAME_PATTERN.match(name):
        problems.append(
            {"pointer": "/name", "message": "a user name is 1 to 64 letters, digits or ._@:-"}
        )
    if role not in ROLES:
        problems.append({"pointer": "/role", "message": f"role must be one of: {', '.join(ROLES)}"})
    problem = password_problem(name, password)
    if problem is not None:
        problems.append({"pointer": "/password", "message": problem})
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)
