"""API tokens: created once and shown once, stored as SHA-256 hashes, verified in constant time.

A token is `gwst_` + 43 URL-safe random characters. The store keeps only its SHA-256, so a
leaked database does not leak usable tokens; lookup is by hash and the final comparison uses
`hmac.compare_digest`. A token may have a lifetime (at most two years): once it has expired,
it is refused exactly like an unknown one. Each
use from a client is recorded by gwctl.store.token_use (last use, new addresses audited).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast, get_args

from sqlalchemy import Engine, exists, false, select
from sqlalchemy.orm import Session

from gwctl.core.durations import MAX_LIFETIME
from gwctl.store import audit
from gwctl.store.context import Client, Principal, WriteContext
from gwctl.store.db import TokenRow, now_utc, read_transaction, write_transaction
from gwctl.store.errors import Conflict, NotFound, ValidationFailed
from gwctl.store.models import Role
from gwctl.store.paging import rfc3339
from gwctl.store.token_use import TokenAddressRow, TokenUse, record_use

TOKEN_PREFIX = "gwst_"  # noqa: S105 - a prefix, not a token
ROLES: tuple[str, ...] = get_args(Role)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$")
CLI_ACTOR = "gwctl-cli"


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never its value): `expired` as of the listing; the last use is
    kept to the minute, with the address it came from (None if unknown)."""

    name: str
    role: Role
    created_at: datetime
    created_by: str
    expires_at: datetime | None  # None: never expires
    expired: bool
    last_used_at: datetime | None
    last_used_from: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    engine: Engine,
    name: str,
    role: str,
    *,
    actor: str = CLI_ACTOR,
    lifetime: timedelta | None = None,
) -> str:
    """Create a token named `name` with `role` (admin | read) that expires after `lifetime`
    (None: never); return it (shown only once).

    Audited as `token_create` with its `expires_at`. Raises ValidationFailed for a bad name,
    role or lifetime, Conflict if a token of that name exists.
    """
    context = WriteContext(token_name=None, actor=actor)
    return write_transaction(
        engine, lambda session: create_token_in(session, name, role, context, lifetime)
    )


def create_token_in(
    session: Session,
    name: str,
    role: str,
    context: WriteContext,
    lifetime: timedelta | None = None,
) -> str:
    """`create_token` inside the caller's write transaction."""
    _check(name, role, lifetime)
    if session.scalar(select(TokenRow.id).where(TokenRow.name == name)) is not None:
        raise Conflict(f"a token named '{name}' exists already", [{"pointer": "/name"}])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = now_utc()
    expires_at = None if lifetime is None else now + lifetime
    session.add(
        TokenRow(
            name=name,
            role=role,
            token_hash=hash_token(token),
            created_at=now,
            created_by=context.actor,
            expires_at=expires_at,
        )
    )
    details = {"name": name, "role": role, "expires_at": expires_at and rfc3339(expires_at)}
    audit.append(session, context, "token_create", None, details=details)
    return token


def revoke_token(engine: Engine, name: str, *, actor: str = CLI_ACTOR) -> None:
    """Delete the token `name`: refused from then on. Audited as `token_revoke`."""
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
    now = now_utc()

    def work(session: Session) -> list[TokenInfo]:
        rows = session.scalars(select(TokenRow).order_by(TokenRow.name))
        return [
            TokenInfo(
                r.name,
                cast(Role, r.role),
                r.created_at,
                r.created_by,
                r.expires_at,
                _expired(r.expires_at, now),
                r.last_used_at,
                r.last_used_from,
            )
            for r in rows
        ]

    return read_transaction(engine, work)


def verify_token(engine: Engine, token: str, client: Client | None = None) -> Principal | None:
    """The principal a presented token authenticates, or None if it is unknown or expired.

    With the `client` a request came from, the use is recorded (gwctl.store.token_use).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    presented = hash_token(token)
    address = None if client is None else client.address
    row = read_transaction(engine, lambda session: _lookup(session, presented, address))
    now = now_utc()
    if (
        row is None
        or not hmac.compare_digest(row.token_hash, presented)
        or _expired(row.expires_at, now)
    ):
        return None
    if client is not None:
        use = TokenUse(row.id, row.name, row.last_used_at, address_known=bool(row.known))
        record_use(engine, use, client, now)
    return Principal(token_name=row.name, role=cast(Role, row.role))


def _lookup(session: Session, presented: str, address: str | None) -> Any:
    """The token row of a hash, and whether it was used from `address` before (one query)."""
    known = (
        false()
        if address is None
        else (
            exists().where(
                TokenAddressRow.token_id == TokenRow.id, TokenAddressRow.address == address
            )
        )
    )
    return session.execute(
        select(
            TokenRow.id,
            TokenRow.name,
            TokenRow.role,
            TokenRow.token_hash,
            TokenRow.expires_at,
            TokenRow.last_used_at,
            known.label("known"),
        ).where(TokenRow.token_hash == presented)
    ).first()


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def _check(name: str, role: str, lifetime: timedelta | None) -> None:
    problems = []
    if not NAME_PATTERN.match(name):
        problems.append(
            {"pointer": "/name", "message": "a token name is 1 to 64 letters, digits or ._@:-"}
        )
    if role not in ROLES:
        problems.append({"pointer": "/role", "message": f"role must be one of: {', '.join(ROLES)}"})
    if lifetime is not None and not timedelta(minutes=1) <= lifetime <= MAX_LIFETIME:
        problems.append(
            {
                "pointer": "/expires",
                "message": f"a token's lifetime is 1 minute to {MAX_LIFETIME.days} days",
            }
        )
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)
