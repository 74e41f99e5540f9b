"""The Available Gateways table (`/gateways`): one page of the gateways its search and filters
match (the query string is read by gwctl.store.web.table_query, the database does the
searching in gwctl.store.gateway_search), the logos it shows, the Signup Links it makes safe,
and the signed notice it shows after a write ("The gateway 'Infobip I' has been added.")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gwctl.core.providers import STORE_COLUMNS, Provider
from gwctl.store.api.deps import Store
from gwctl.store.errors import NotFound
from gwctl.store.gateway_search import STATUSES, SearchResult, search_gateways
from gwctl.store.sessions import WebSession

from . import forms
from .deps import CurrentSession, SignedIn
from .rendering import render
from .security import page_router, sign_notice, tokens_match
from .table_query import (
    PAGE_SIZES,
    TableQuery,
    join_or,
    page_count,
    page_numbers,
    parse_table_query,
)

GATEWAYS_PATH = "/gateways"
PAGE_SIZE = 1000  # of the API listings that pages show whole (a gateway's history)
SIGNUP_TEXT_LENGTH = 32
COLUMN_TITLES = {
    "api_key": "API Key",
    "secret_key": "Secret Key",
    "username": "Username",
    "password": "Password",
}
NOTICES = {
    "created": "The gateway {name} has been added.",
    "updated": "The gateway {name} has been updated.",
    "deleted": "The gateway {name} has been deleted.",
    "signed_out": "You have been signed out.",
}

router = page_router()


@dataclass(frozen=True)
class Cell:
    """A credential column of the table: a mask, or an identifier in clear, or empty."""

    text: str
    masked: bool


def table_cells(gateway: forms.GatewayJson, provider: Provider | None) -> list[Cell | None]:
    """The four generic credential columns (API Key, Secret Key, Username, Password) of a row.

    The column comes from the store (which reads the schema's `x-gwctl-column`), falling back to
    the schema itself. Secrets show their mask; identifiers their clear value; a provider
    without such a field leaves the cell empty.
    """
    by_column: dict[str, Cell] = {}
    schema_columns = {c.name: c.column for c in provider.credentials} if provider else {}
    for name, info in (gateway.get("credentials") or {}).items():
        column = info.get("column") or schema_columns.get(name)
        if column not in STORE_COLUMNS:
            continue
        value = info.get("value")
        if not info.get("secret", True) and isinstance(value, str):
            by_column[column] = Cell(value, masked=False)
        else:
            by_column[column] = Cell(str(info.get("mask") or "••••"), masked=True)
    return [by_column.get(column) for column in STORE_COLUMNS]


def back_to_table(session: WebSession, notice: str, name: str) -> RedirectResponse:
    """Back to the table with a notice; signed, so that nobody can craft a link that shows
    their own text in this page."""
    query = {"notice": notice, "name": name, "sig": sign_notice(session.csrf_token, notice, name)}
    return RedirectResponse(GATEWAYS_PATH + "?" + urlencode(query), status_code=303)


def _signed_notice(request: Request, session: WebSession) -> str:
    params = request.query_params
    code, name = params.get("notice", ""), params.get("name", "")
    template = NOTICES.get(code)
    if template and tokens_match(sign_notice(session.csrf_token, code, name), params.get("sig")):
        return template.format(name=f"'{name}'")
    return ""


class _Page(Protocol):
    @property
    def items(self) -> Sequence[BaseModel]: ...

    @property
    def next_cursor(self) -> str | None: ...


def every_item(fetch: Callable[[str | None], _Page]) -> list[dict[str, Any]]:
    """Every item of a paged listing (`fetch(cursor)`), as the REST API's JSON: the pages show
    all of them at once."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        items.extend(item.model_dump(mode="json") for item in page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def _company(providers: Mapping[str, Provider], provider_id: str) -> str:
    provider = providers.get(provider_id)
    return provider.company_name if provider else provider_id


def _testable(providers: Mapping[str, Provider], provider_id: str) -> bool:
    """Whether "Test connection" can check this provider's credentials (`x-gwctl-verify`)."""
    provider = providers.get(provider_id)
    return provider is not None and provider.verify is not None


@dataclass(frozen=True)
class SignupLink:
    """A gateway's Signup Link as the table shows it: `href` only for an http(s) address
    with a host (a `javascript:` or `data:` text stays text), `text` shortened."""

    href: str | None
    text: str
    full: str


def signup_link(url: str | None) -> SignupLink | None:
    """The link of a stored Signup Link (the store accepts only http(s) URLs; a row written
    by someone with the database may hold anything)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return SignupLink(None, _shortened(url), url)
    shown = host.removeprefix("www.") + parts.path.rstrip("/")
    return SignupLink(parts.geturl(), _shortened(shown), url)


def _shortened(text: str, length: int = SIGNUP_TEXT_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _row(sn: int, gateway: forms.GatewayJson, providers: Mapping[str, Provider]) -> dict[str, Any]:
    provider_id = str(gateway.get("provider"))
    return {
        "sn": sn,
        "gateway": gateway,
        "company_name": gateway.get("company_name") or _company(providers, provider_id),
        "cells": table_cells(gateway, providers.get(provider_id)),
        "signup": signup_link(gateway.get("signup_link")),
        "drifted": gateway.get("managed_by") == "gwctl" and gateway.get("applied_digest") is None,
        "testable": _testable(providers, provider_id),
    }


def _matching(query: TableQuery, providers: Mapping[str, Provider]) -> str:
    """What the shown gateways match: 'matching “infobip” · Infobip · Active'."""
    text = " ".join(query.q.split())
    parts = [f"“{text}”"] if text else []
    if query.provider:
        parts.append(providers[query.provider].company_name)
    if query.status:
        parts.append(query.status.capitalize())
    return "matching " + " · ".join(parts) if parts else ""


@router.get(GATEWAYS_PATH)
def gateways(request: Request, session: SignedIn, store: Store) -> HTMLResponse:
    """One page of the table: the gateways the query string's search and filters match."""
    providers = store.providers
    query, problems = parse_table_query(request.query_params, providers)
    result = SearchResult(0, [])
    if not problems:
        result = search_gateways(store.engine, providers, store.cipher, query.search())
    pages = page_count(result.total, query.per_page)
    if not problems and query.page > pages:
        problems.append(
            f"There is no page {query.page}: "
            + (
                f"the {result.total:,} matching gateways fill {pages:,} page{'s' * (pages > 1)}."
                if result.total
                else "no gateway matches."
            )
        )
    return render(
        request,
        "gateways.html",
        422 if problems else 200,
        rows=[_row(query.offset + i, g, providers) for i, g in enumerate(result.items, 1)],
        total=result.total,
        query=query,
        problems=problems,
        pages=pages,
        page_links=page_numbers(min(query.page, pages), pages),
        page_sizes=PAGE_SIZES,
        path=GATEWAYS_PATH,
        provider_options=sorted(
            ((p.company_name, p.id) for p in providers.values()), key=lambda o: o[0]
        ),
        statuses=STATUSES,
        matching=_matching(query, providers),
        columns=[COLUMN_TITLES[c] for c in STORE_COLUMNS],
        notice=_signed_notice(request, session),
        companies=join_or(sorted(p.company_name for p in providers.values())),
    )


@router.get(GATEWAYS_PATH + "/{key}/logo")
def logo(session: CurrentSession, store: Store, key: str) -> Response:
    """The logo for an <img> tag: a bare status, never a page, when there is none to show."""
    if session is None:
        return Response(status_code=401)
    try:
        image = store.get_logo(key)
    except NotFound:
        image = None
    if image is None or image.content_type not in ("image/png", "image/jpeg"):
        return Response(status_code=404)
    return Response(image.data, media_type=image.content_type)
