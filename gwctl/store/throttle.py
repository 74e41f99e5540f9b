"""Throttling of guessing: failed sign-ins and bad API tokens, counted in the database.

Every failure is a row (`auth_failures`) of the database all server processes share, so a
limit holds across processes and restarts. Counters are sliding windows: a client address
may fail `per_address` sign-ins (and `tokens_per_address` bearer tokens) and one user name
`per_account` sign-ins, from any number of addresses, within `window_seconds`; beyond that a
request is refused until enough of its failures have left the window (`Retry-After`).

A sign-in attempt is charged (its row written) before its password is checked, inside the
store's write lock, so concurrent requests cannot slip past a limit; a success takes its own
charge back together with the earlier failures of that user name from that address only.
A user name is kept as an HMAC under a key derived from the store key: the table never holds
a name in clear (people paste passwords into the name field).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, String, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gwctl.store.db import (
    MYSQL_TABLE_ARGS,
    Base,
    UTCDateTime,
    now_utc,
    read_transaction,
    write_transaction,
)

SIGNIN = "signin"
TOKEN = "token"  # noqa: S105 - a kind of failure, not a token
ADDRESS_MAX = 64
# what the HMAC key of user names is derived for from the store key (CredentialCipher.derive)
ACCOUNT_KEY_PURPOSE = "gwctl-throttle-accounts"


class AuthFailureRow(Base):
    """One failed (or not yet decided) authentication attempt."""

    __tablename__ = "auth_failures"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), index=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Limits:
    """How many failures a window allows (defaults: docs/threat-model.md)."""

    window_seconds: int = 900
    per_address: int = 20
    per_account: int = 10
    tokens_per_address: int = 30


@dataclass(frozen=True)
class Throttled:
    """A refused attempt: the seconds to wait, and which limit it met (address | account)."""

    retry_after: int
    scope: str


@dataclass(frozen=True)
class Charge:
    """An attempt allowed and counted; `exhausts` names the limit its failure would reach."""

    attempt_id: int
    address: str
    account: str
    exhausts: str | None


class Throttle:
    """The limits of one store (its engine) with the key that hides user names."""

    def __init__(self, engine: Engine, account_key: bytes, limits: Limits | None = None) -> None:
        self.engine = engine
        self.limits = limits or Limits()
        self._key = account_key

    def account(self, name: str) -> str:
        """The HMAC a user name is counted under (case-insensitive)."""
        return hmac.new(self._key, name.casefold().encode("utf-8"), hashlib.sha256).hexdigest()

    def charge_signin(self, address: str, name: str) -> Charge | Throttled:
        """Count a sign-in attempt before its password is checked, or refuse it.

        A refusal is decided on a read alone (no write lock taken, no row written), so a
        flood of throttled attempts neither grows the table nor queues behind real writes.
        """
        address, account = address[:ADDRESS_MAX], self.account(name)
        refused = read_transaction(self.engine, lambda s: self._refusal(s, address, account))
        if refused is not None:
            return refused

        def work(session: Session) -> Charge | Throttled:
            now = now_utc()
            self._purge(session, now)
            refused = self._refusal(session, address, account)
            if refused is not None:
                return refused
            row = AuthFailureRow(kind=SIGNIN, address=address, account=account, at=now)
            session.add(row)
            session.flush()
            return Charge(row.id, address, account, self._exhausted(session, address, account))

        return write_transaction(self.engine, work)

    def forgive_in(self, session: Session, charge: Charge) -> None:
        """A successful sign-in: drop its charge and that name's failures from that address
        (other addresses' failures, and other names', still count)."""
        session.execute(
            delete(AuthFailureRow).where(
                AuthFailureRow.kind == SIGNIN,
                or_(
                    AuthFailureRow.id == charge.attempt_id,
                    (AuthFailureRow.address == charge.address)
                    & (AuthFailureRow.account == charge.account),
                ),
            )
        )

    def token_refusal(self, address: str) -> Throttled | None:
        """Whether `address` has presented too many bad bearer tokens (a read only)."""
        where = self._token_where(address[:ADDRESS_MAX])

        def work(session: Session) -> Throttled | None:
            return self._over(session, where, self.limits.tokens_per_address, "address")

        return read_transaction(self.engine, work)

    def record_token_failure_in(self, session: Session, address: str) -> bool:
        """Count a bad bearer token from `address`; True if it reached the limit just now."""
        address = address[:ADDRESS_MAX]
        now = now_utc()
        self._purge(session, now)
        session.add(AuthFailureRow(kind=TOKEN, address=address, account=None, at=now))
        session.flush()
        return self._count(session, self._token_where(address)) == self.limits.tokens_per_address

    # -- counting -------------------------------------------------------------------------------

    def _signin_scopes(self, address: str, account: str) -> list[tuple[str, Any, int]]:
        return [
            ("address", AuthFailureRow.address == address, self.limits.per_address),
            ("account", AuthFailureRow.account == account, self.limits.per_account),
        ]

    def _refusal(self, session: Session, address: str, account: str) -> Throttled | None:
        found = [
            self._over(session, (AuthFailureRow.kind == SIGNIN, where), limit, scope)
            for scope, where, limit in self._signin_scopes(address, account)
        ]
        refusals = [refusal for refusal in found if refusal is not None]
        return max(refusals, key=lambda refusal: refusal.retry_after) if refusals else None

    def _exhausted(self, session: Session, address: str, account: str) -> str | None:
        for scope, where, limit in self._signin_scopes(address, account):
            if self._count(session, (AuthFailureRow.kind == SIGNIN, where)) == limit:
                return scope
        return None

    def _over(
        self, session: Session, where: tuple[Any, ...], limit: int, scope: str
    ) -> Throttled | None:
        """Refused while `limit` failures are in the window: until the oldest of the newest
        `limit` of them leaves it."""
        now = now_utc()
        window = timedelta(seconds=self.limits.window_seconds)
        query = (
            select(AuthFailureRow.at)
            .where(*where, AuthFailureRow.at > now - window)
            .order_by(AuthFailureRow.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        at = session.scalar(query)
        if at is None:
            return None
        return Throttled(max(1, int((at + window - now).total_seconds())), scope)

    def _count(self, session: Session, where: tuple[Any, ...]) -> int:
        cutoff = now_utc() - timedelta(seconds=self.limits.window_seconds)
        query = select(func.count()).select_from(AuthFailureRow)
        return int(session.scalar(query.where(*where, AuthFailureRow.at > cutoff)) or 0)

    def _token_where(self, address: str) -> tuple[Any, ...]:
        return (AuthFailureRow.kind == TOKEN, AuthFailureRow.address == address)

    def _purge(self, session: Session, now: datetime) -> None:
        cutoff = now - timedelta(seconds=self.limits.window_seconds)
        session.execute(delete(AuthFailureRow).where(AuthFailureRow.at <= cutoff))
