"""The Available Gateways table's query string: search, provider and status filters, page.

`/gateways?q=infobip&provider=infobip&status=active&page=2&per_page=50` is what the table's
GET form sends, so a search works without JavaScript and can be bookmarked. A value the
table cannot use (page 0, an unknown provider, a 10 kB search, a NUL character) becomes a
message for the page saying what is wrong and what is allowed, never an error of the
server; the message repeats a value only when it is short and plain (no text of a crafted
link is shown as the page's own). Links (`TableQuery.query_string`) keep the whole query,
leaving out values that are their defaults.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Final
from urllib.parse import urlencode

from gwctl.core.providers import Provider
from gwctl.store.gateway_search import STATUSES, GatewaySearch

PAGE_SIZES: Final = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE: Final = 50
MAX_SEARCH_LENGTH: Final = 100  # a Gateway Name is at most 64 characters, a key 63
MAX_PAGE: Final = 1_000_000
REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})  # control, format, surrogate
_PLAIN = re.compile(r"[A-Za-z0-9_.-]{1,24}")


@dataclass(frozen=True)
class TableQuery:
    """A checked query of the table; "" means no filter."""

    q: str = ""
    provider: str = ""
    status: str = ""
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE

    @property
    def filtered(self) -> bool:
        return bool(self.q.strip() or self.provider or self.status)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def search(self) -> GatewaySearch:
        return GatewaySearch(
            text=self.q,
            provider=self.provider or None,
            status=self.status or None,
            offset=self.offset,
            limit=self.per_page,
        )

    def query_string(self, **changes: Any) -> str:
        """ "?q=...&page=3" for this query with `changes` (e.g. page=3); "" for the defaults."""
        defaults = asdict(TableQuery())
        values = asdict(replace(self, **changes))
        params = {name: value for name, value in values.items() if value != defaults[name]}
        return "?" + urlencode(params) if params else ""


def join_or(names: list[str]) -> str:
    """ "A, B or C"."""
    return " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _shown(value: str) -> str:
    return f"'{value}'" if _PLAIN.fullmatch(value) else "the value given"


def _whole_number(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _search(value: str, problems: list[str]) -> str:
    if len(value) > MAX_SEARCH_LENGTH:
        problems.append(
            f"The search is {len(value):,} characters long: a search is at most "
            f"{MAX_SEARCH_LENGTH} characters (a Gateway Name or an account key is shorter)."
        )
        return ""
    refused = next(
        (c for c in value if unicodedata.category(c) in REFUSED_CATEGORIES and not c.isspace()),
        None,
    )
    if refused is not None:
        problems.append(
            f"The search contains the invisible character U+{ord(refused):04X}: no Gateway "
            "Name or account key has one. Type the name or key as the table shows it."
        )
        return ""
    return value


def _choice(value: str, allowed: Mapping[str, str], what: str, problems: list[str]) -> str:
    if value == "" or value in allowed:
        return value
    listed = join_or(sorted(allowed.values()))
    problems.append(f"There is no {what} {_shown(value)}: choose {listed}, or any.")
    return ""


def _page(value: str, problems: list[str]) -> int:
    if value == "":
        return 1
    number = _whole_number(value)
    if number is None or not 1 <= number <= MAX_PAGE:
        problems.append(
            f"There is no page {_shown(value)}: pages are numbered 1, 2, 3 and so on "
            f"(at most {MAX_PAGE:,})."
        )
        return 1
    return number


def _per_page(value: str, problems: list[str]) -> int:
    if value == "":
        return DEFAULT_PAGE_SIZE
    number = _whole_number(value)
    if number not in PAGE_SIZES:
        sizes = ", ".join(str(size) for size in PAGE_SIZES[:-1]) + f" or {PAGE_SIZES[-1]}"
        problems.append(f"Rows per page cannot be {_shown(value)}: it is {sizes}.")
        return DEFAULT_PAGE_SIZE
    return number


def parse_table_query(
    params: Mapping[str, str], providers: Mapping[str, Provider]
) -> tuple[TableQuery, list[str]]:
    """The query `params` ask for, and a message for each value that cannot be used (that
    value is then left at its default)."""
    problems: list[str] = []
    companies = {provider_id: p.company_name for provider_id, p in providers.items()}
    statuses = {status: status.capitalize() for status in STATUSES}
    query = TableQuery(
        q=_search(params.get("q", ""), problems),
        provider=_choice(params.get("provider", ""), companies, "gateway company", problems),
        status=_choice(params.get("status", ""), statuses, "status", problems),
        page=_page(params.get("page", ""), problems),
        per_page=_per_page(params.get("per_page", ""), problems),
    )
    return query, problems


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` matches fill (one, empty, when nothing matches)."""
    return max(1, -(-total // per_page))


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """The page links to offer: the first, the last, and `around` pages either side of the
    current one; None where pages are left out ("…")."""
    wanted = {1, last, *range(current - around, current + around + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= last)
    shown: list[int | None] = []
    for number in numbers:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown
