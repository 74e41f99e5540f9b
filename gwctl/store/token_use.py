"""Where and when API tokens are used: the last use, kept to the minute, and a signed audit
entry `token_new_address` the first time a token comes from an address, capped per hour.

Recording costs no write on most requests. The last use is one conditional UPDATE at most
once a minute per token (`WHERE last_used_at IS NULL OR last_used_at <= now - 1 min`: of
several processes that race, one updates and the others change nothing). Whether the address
is known is read with the token itself (tokens.py); only an unknown one, still under the cap,
takes a write transaction, which notes the address and appends the signed audit entry.

The addresses a token was used from are kept in `token_addresses`, one row per audit entry:
at most `NEW_ADDRESS_CAP` new addresses per token in any hour, so a stolen token used from a
botnet cannot flood the audit log (or that table). The entry that reaches the cap says so
(`"cap_reached": true`); addresses beyond it are not recorded and are audited when they come
back after the hour, if there is room again. Recording never fails the request it serves: a
database error or a broken audit log is logged and the use goes unrecorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, ForeignKey, Integer, String, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from gwctl.store import audit
from gwctl.store.context import ADDRESS_MAX, Client, WriteContext
from gwctl.store.db import (
    MYSQL_TABLE_ARGS,
    WRITE_OPTION,
    Base,
    TokenRow,
    UTCDateTime,
    read_transaction,
    write_transaction,
)
from gwctl.store.errors import AuditBroken

log = logging.getLogger(__name__)

LAST_USE_RESOLUTION = timedelta(minutes=1)
NEW_ADDRESS_CAP = 10  # token_new_address entries per token in any hour
NEW_ADDRESS_WINDOW = timedelta(hours=1)


class TokenAddressRow(Base):
    """An address a token was used from, noted with its `token_new_address` audit entry."""

    __tablename__ = "token_addresses"
    __table_args__ = MYSQL_TABLE_ARGS

    token_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class TokenUse:
    """A verified token as its lookup found it: what recording its use needs to know."""

    token_id: int
    name: str
    last_used_at: datetime | None
    address_known: bool


def record_use(engine: Engine, use: TokenUse, client: Client, now: datetime) -> None:
    """Note that `use`'s token served a request from `client` at `now` (see the module)."""
    try:
        if use.last_used_at is None or use.last_used_at <= now - LAST_USE_RESOLUTION:
            _update_last_use(engine, use.token_id, client.address, now)
        if client.address is not None and not use.address_known:
            _note_address(engine, use, client, now)
    except (DBAPIError, AuditBroken) as exc:  # bookkeeping must not fail the request
        log.warning("the use of token %s was not recorded: %s", use.name, type(exc).__name__)


def _update_last_use(engine: Engine, token_id: int, address: str | None, now: datetime) -> None:
    stale = or_(TokenRow.last_used_at.is_(None), TokenRow.last_used_at <= now - LAST_USE_RESOLUTION)
    statement = (
        update(TokenRow)
        .where(TokenRow.id == token_id, stale)
        .values(last_used_at=now, last_used_from=address)
    )
    connection = engine.connect().execution_options(**{WRITE_OPTION: True})
    with connection, connection.begin():
        connection.execute(statement)


def _recent_addresses(session: Session, token_id: int, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(TokenAddressRow)
            .where(
                TokenAddressRow.token_id == token_id,
                TokenAddressRow.first_seen_at > now - NEW_ADDRESS_WINDOW,
            )
        )
        or 0
    )


def _note_address(engine: Engine, use: TokenUse, client: Client, now: datetime) -> None:
    recent = read_transaction(engine, lambda s: _recent_addresses(s, use.token_id, now))
    if recent >= NEW_ADDRESS_CAP:  # a flood costs a read per request, never the write lock
        return
    address = client.address
    assert address is not None

    def work(session: Session) -> None:
        if session.get(TokenAddressRow, (use.token_id, address)) is not None:
            return  # another request or process noted it first
        if session.get(TokenRow, use.token_id) is None:
            return  # revoked meanwhile
        recent = _recent_addresses(session, use.token_id, now)
        if recent >= NEW_ADDRESS_CAP:
            return
        session.add(TokenAddressRow(token_id=use.token_id, address=address, first_seen_at=now))
        details: dict[str, object] = {"address": address, "user_agent": client.user_agent}
        if recent + 1 == NEW_ADDRESS_CAP:
            details["cap_reached"] = True
        context = WriteContext(token_name=use.name, actor=use.name)
        audit.append(session, context, "token_new_address", None, details=details)

    write_transaction(engine, work)
