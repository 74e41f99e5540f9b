"""Search and paging of the gateways in the database, for the Available Gateways table.

One page of the gateways that match a text (a case-insensitive substring of the Gateway Name
or of the account key), a provider and a status, ordered by key, plus the count of all
matches. Both queries run in the database, never over rows loaded into Python, and read the
same way on SQLite, PostgreSQL and MariaDB: the text is matched with LIKE, its `%`, `_` and
escape characters escaped (a search for "100%" finds "100%", not everything), against the
name's unique form (`name_normalized`: NFKC, case-folded, runs of white space as one) and
the key, so no database's collation decides what "case-insensitive" means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Final

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, true
from sqlalchemy.orm import Session

from gwctl.core.providers import Provider
from gwctl.store.crypto import CredentialCipher
from gwctl.store.db import GatewayRow, read_transaction
from gwctl.store.gateways import VIEW_COLUMNS, gateway_data
from gwctl.store.validation import normalize_name

STATUSES: Final = ("active", "inactive")  # the schema's status enum (common.schema.json)


@dataclass(frozen=True)
class GatewaySearch:
    """What to show: `text` ("" for all), a provider and a status (None for any), and which
    slice of the matches (`offset`, `limit`). The caller checks the values (the page does,
    in gwctl.store.web.table_query)."""

    text: str = ""
    provider: str | None = None
    status: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class SearchResult:
    """The count of all matches, and the page's gateways as the API's JSON shows them
    (`gateway_data`: credentials masked)."""

    total: int
    items: list[dict[str, Any]]


def matching(search: GatewaySearch) -> ColumnElement[bool]:
    """The WHERE clause of `search` (without its slice)."""
    conditions: list[ColumnElement[bool]] = []
    if search.provider is not None:
        conditions.append(GatewayRow.provider == search.provider)
    if search.status is not None:
        conditions.append(GatewayRow.status == search.status)
    needle = normalize_name(search.text)
    if needle:
        found = [GatewayRow.name_normalized.contains(needle, autoescape=True)]
        if needle.isascii():  # keys are ASCII (and MariaDB's column refuses other text)
            found.append(GatewayRow.key.contains(needle, autoescape=True))
        conditions.append(or_(*found))
    return and_(true(), *conditions)


def search_gateways(
    engine: Engine,
    providers: Mapping[str, Provider],
    cipher: CredentialCipher,
    search: GatewaySearch,
) -> SearchResult:
    """The matches' count and the page `search` asks for, read in one transaction."""
    where = matching(search)

    def work(session: Session) -> SearchResult:
        total = session.scalar(select(func.count()).select_from(GatewayRow).where(where)) or 0
        query = (
            select(*VIEW_COLUMNS)
            .where(where)
            .order_by(GatewayRow.key)
            .offset(search.offset)
            .limit(search.limit)
        )
        result = session.execute(query)
        columns = tuple(result.keys())
        rows = [SimpleNamespace(**dict(zip(columns, row, strict=True))) for row in result]
        return SearchResult(total, [gateway_data(row, providers, cipher) for row in rows])

    return read_transaction(engine, work)
