"""API tokens: created once and shown once, stored as SHA-256 hashes, verified in constant time.

A token is `gwst_` + 43 URL-safe random characters. The store keeps only its SHA-256, so a
leaked database does not leak usable tokens; lookup is by hash and the final comparison uses
`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import cast, get_args

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from gwctl.store import audit
from gwctl.store.context import Principal, WriteContext
from gwctl.store.db import TokenRow, now_utc, read_transaction, write_transaction
from gwctl.store.errors import Conflict, NotFound, ValidationFailed
from gwctl.store.models import Role

TOKEN_PREFIX = "gwst_"  # noqa: S105 - a prefix, not a token
ROLES: tuple[str, ...] = get_args(Role)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$")
CLI_ACTOR = "gwctl-cli"


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never its value)."""

    name: str
    role: Role
    created_at: datetime
    created_by: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str, role: str, *, actor: str = CLI_ACTOR) -> str:
    """Create a token named `name` with `role` (admin | read); return it (shown only once).

    Audited as `token_create`. Raises ValidationFailed for a bad name or role, Conflict if a
    token of that name exists.
    """
    context = WriteContext(token_name=None, actor=actor)
    return write_transaction(engine, lambda session: create_token_in(session, name, role, context))


def create_token_in(session: Session, name: str, role: str, context: WriteContext) -> str:
    """`create_token` inside the caller's write transaction."""
    _check(name, role)
    if session.scalar(select(TokenRow.id).where(TokenRow.name == name)) is not None:
        raise Conflict(f"a token named '{name}' exists already", [{"pointer": "/name"}])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        TokenRow(
            name=name,
            role=role,
            token_hash=hash_token(token),
            created_at=now_utc(),
            created_by=context.actor,
        )
    )
    audit.append(session, context, "token_create", None, details={"name": name, "role": role})
    return token


def revoke_token(engine: Engine, name: str, *, actor: str = CLI_ACTOR) -> None:
    """Delete the token `name` (its web sessions end with it). Audited as `token_revoke`."""
    context = WriteContext(token_name=None, actor=actor)

    def work(session: Session) -> None:
        row = session.scalar(select(TokenRow).where(TokenRow.name == name))
        if row is None:
            raise NotFound(f"no token named '{name}'")
        session.delete(row)
        audit.append(session, context, "token_revoke", None, details={"name": name})

    write_transaction(engine, work)


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """All tokens by name (without their values, which the store does not know)."""

    def work(session: Session) -> list[TokenInfo]:
        rows = session.scalars(select(TokenRow).order_by(TokenRow.name))
        return [TokenInfo(r.name, cast(Role, r.role), r.created_at, r.created_by) for r in rows]

    return read_transaction(engine, work)


def verify_token(engine: Engine, token: str) -> Principal | None:
    """The principal a presented token authenticates, or None if it is unknown."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    presented = hash_token(token)
    row = read_transaction(
        engine,
        lambda session: session.execute(
            select(TokenRow.name, TokenRow.role, TokenRow.token_hash).where(
                TokenRow.token_hash == presented
            )
        ).first(),
    )
    if row is None or not hmac.compare_digest(row.token_hash, presented):
        return None
    return Principal(token_name=row.name, role=cast(Role, row.role))


def principal_for_name(session: Session, name: str) -> Principal | None:
    """The principal of the token called `name`, if it still exists."""
    role = session.scalar(select(TokenRow.role).where(TokenRow.name == name))
    return None if role is None else Principal(token_name=name, role=cast(Role, role))


def _check(name: str, role: str) -> None:
    problems = []
    if not NAME_PATTERN.match(name):
        problems.append(
            {"pointer": "/name", "message": "a token name is 1 to 64 letters, digits or ._@:-"}
        )
    if role not in ROLES:
        problems.append({"pointer": "/role", "message": f"role must be one of: {', '.join(ROLES)}"})
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)
