"""Authentication as a whole: throttle, one check, audit entry, and the session or refusal.

`sign_in` is the web page's password sign-in, `change_password` the signed-in user's change,
`bad_token` a wrong bearer token on the API. Each attempt is counted by gwctl.store.throttle
before any argon2 work; a throttled attempt does none, and writes no audit entry, so an
attacker can make at most `limit + 1` entries per address (and per user name) and window.

Audit entries (`signin`, `signin_failed`, `signin_locked`) carry the client address and its
user agent (cut to 200 characters, control characters removed), never a password, and never
the attempted name when no such user exists (it is recorded as `(unknown)`: people paste
passwords into the name field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gwctl.store import audit, users
from gwctl.store.context import Client, Principal, WriteContext
from gwctl.store.db import write_transaction
from gwctl.store.errors import ValidationFailed
from gwctl.store.sessions import create_session_in
from gwctl.store.throttle import Charge, Throttle, Throttled

UNKNOWN = "(unknown)"  # not a valid user name: cannot be confused with one


@dataclass(frozen=True)
class SignedIn:
    """A new session of `principal` (the cookie's value and its forms' CSRF token)."""

    principal: Principal
    session_id: str
    csrf_token: str


class WrongCredentials:
    """The name or password is wrong (which of the two is never said)."""


def sign_in(
    engine: Engine, throttle: Throttle, name: str, password: str, client: Client
) -> SignedIn | WrongCredentials | Throttled:
    """Check `name` and `password` from `client`; on success a new session."""
    charge = throttle.charge_signin(client.throttle_address, name)
    if isinstance(charge, Throttled):
        return charge
    verified = users.verify_password(engine, name, password)
    principal = verified.principal
    if principal is None:
        shown = name if verified.known_user else UNKNOWN
        write_transaction(engine, lambda session: _failed(session, shown, client, charge))
        return WrongCredentials()

    def work(session: Session) -> SignedIn:
        throttle.forgive_in(session, charge)
        users.record_signin_in(session, name, password)
        _append(session, name, "signin", {"user": name, **client.details()})
        session_id, csrf_token = create_session_in(session, name, principal.role)
        return SignedIn(principal, session_id, csrf_token)

    return write_transaction(engine, work)


def change_password(
    engine: Engine,
    throttle: Throttle,
    principal: Principal,
    passwords: tuple[str, str],
    client: Client,
    *,
    keep_session_hash: str,
) -> Throttled | None:
    """Change the signed-in user's password from `passwords[0]` (current) to `passwords[1]`.

    The current password is a guess like a sign-in's: counted and throttled the same way.
    ValidationFailed (naming the field) for a wrong current or a refused new password.
    """
    name = principal.token_name
    charge = throttle.charge_signin(client.throttle_address, name)
    if isinstance(charge, Throttled):
        return charge
    current, new = passwords
    try:
        users.change_password(engine, name, current, new, keep_session_hash=keep_session_hash)
    except ValidationFailed as exc:
        if exc.details and exc.details[0].get("pointer") == "/current_password":
            write_transaction(engine, lambda session: _failed(session, name, client, charge))
        else:
            write_transaction(engine, lambda session: throttle.forgive_in(session, charge))
        raise
    write_transaction(engine, lambda session: throttle.forgive_in(session, charge))
    return None


def bad_token(engine: Engine, throttle: Throttle, client: Client) -> None:
    """Count a wrong bearer token from `client`; the one that reaches the limit is audited."""

    def work(session: Session) -> None:
        if throttle.record_token_failure_in(session, client.throttle_address):
            details = {"scope": "address", "via": "api", **client.details()}
            _append(session, UNKNOWN, "signin_locked", details)

    write_transaction(engine, work)


def _failed(session: Session, shown: str, client: Client, charge: Charge) -> None:
    details = {"user": shown, **client.details()}
    _append(session, shown, "signin_failed", details)
    if charge.exhausts is not None:
        locked = {"scope": charge.exhausts, "via": "web", **details}
        _append(session, shown, "signin_locked", locked)


def _append(session: Session, shown: str, action: str, details: dict[str, Any]) -> None:
    context = WriteContext(token_name=None, actor=f"web:{shown}")
    audit.append(session, context, action, None, details=details)
