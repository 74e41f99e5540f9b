"""The Available Gateways table in-process (Starlette TestClient over the real store app):
server-side pages of 50 with the count of matches, page links that keep the search and
filters, bad query values answered with a message on the page (never a 500), the Signup Link
as a safe link, and names, descriptions and searches escaped. Every response is scanned for
the canary credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from gwctl.store.context import WriteContext
from gwctl.store.db import GatewayRow
from gwctl.store.service import GatewayStore
from gwctl.store.validation import parse_logo
from gwctl.store.web.table import signup_link
from gwctl.store.web.table_query import page_numbers
from tests.support.accounts import png_bytes
from tests.support.many_gateways import gateway_key, seed_gateways
from tests.support.web import CanaryScanner, StoreApp
from tests.support.web_client import sign_in


@pytest.fixture
def store(store_app: StoreApp) -> GatewayStore:
    store: GatewayStore = store_app.store
    return store


@pytest.fixture
def client(store_app: StoreApp) -> Iterator[TestClient]:
    """An admin's session on the app; fails the test if a canary left the server."""
    scanner = CanaryScanner(store_app.app)
    with TestClient(scanner) as client:
        sign_in(client, store_app.admin_token)
        yield client
    assert scanner.leaks == [], f"credential values left the server: {scanner.leaks}"


def row_keys(html: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', html)


def serials(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]


def page_links(html: str) -> dict[str, str]:
    """The pager's links by their text ("2", "Next ›"), as the browser would follow them."""
    pager = html.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
    return {
        unescape(text): unescape(href)
        for href, text in re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', pager)
    }


def plant(store: GatewayStore, key: str, **values: Any) -> None:
    """Write a row's columns directly, as someone with the database could."""
    with store.engine.begin() as connection:
        connection.execute(update(GatewayRow).where(GatewayRow.key == key).values(**values))


def problems(html: str) -> str:
    found = re.search(r'<div class="alert alert-error table-problems"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no message about the query on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_table_shows_the_first_50_gateways_and_the_count(
    client: TestClient, store: GatewayStore
) -> None:
    seed_gateways(store, 120)
    html = client.get("/gateways").text
    assert row_keys(html) == [gateway_key(i) for i in range(1, 51)]
    assert serials(html) == list(range(1, 51))
    assert "Showing <b>1–50</b> of <b>120</b> gateways" in html


def test_page_links_keep_the_search_and_the_filters(
    client: TestClient, store: GatewayStore
) -> None:
    seed_gateways(store, 300)
    first = client.get("/gateways", params={"q": "infobip", "status": "active", "per_page": "25"})
    assert "of <b>90</b> gateways matching “infobip” · Active" in first.text
    links = page_links(first.text)
    assert links["Next ›"] == "/gateways?q=infobip&status=active&page=2&per_page=25"
    assert links["4"] == "/gateways?q=infobip&status=active&page=4&per_page=25"
    last = client.get(links["4"]).text
    assert serials(last) == list(range(76, 91))
    assert all("infobip" in key for key in row_keys(last))
    assert page_links(last)["‹ Previous"] == "/gateways?q=infobip&status=active&page=3&per_page=25"


def test_a_search_that_matches_nothing_says_so(client: TestClient, store: GatewayStore) -> None:
    seed_gateways(store, 3)
    html = client.get("/gateways", params={"q": "no such gateway"}).text
    assert "No gateway matches this search." in html
    assert "No gateway has been set up yet" not in html
    assert row_keys(html) == []


LONG_SEARCH = "x" * 10_240


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "There is no page '0': pages are numbered 1, 2, 3"),
        ({"page": "-1"}, "There is no page '-1'"),
        ({"page": "two"}, "There is no page 'two'"),
        ({"page": "9" * 40}, "There is no page the value given"),
        ({"page": "²"}, "There is no page the value given"),
        ({"per_page": "7"}, "Rows per page cannot be '7': it is 25, 50, 100 or 200."),
        ({"per_page": "100000"}, "Rows per page cannot be '100000'"),
        ({"provider": "nexmo"}, "There is no gateway company 'nexmo': choose Clickatell, Infobip"),
        ({"provider": "<b>x</b>"}, "There is no gateway company the value given"),
        ({"status": "paused"}, "There is no status 'paused': choose Active or Inactive, or any."),
        ({"q": LONG_SEARCH}, "The search is 10,240 characters long: a search is at most 100"),
        ({"q": "infobip\x00"}, "the invisible character U+0000"),
        ({"q": "abc\u202edef"}, "the invisible character U+202E"),
        ({"q": "zero\u200bwidth"}, "the invisible character U+200B"),
    ],
)
def test_a_bad_query_value_is_a_message_on_the_page(
    client: TestClient, store: GatewayStore, params: dict[str, str], message: str
) -> None:
    seed_gateways(store, 3)
    response = client.get("/gateways", params=params)
    assert response.status_code == 422
    assert message in problems(response.text)
    assert row_keys(response.text) == []
    assert LONG_SEARCH not in response.text  # a refused value is not put back into the form
    assert "<b>x</b>" not in response.text
    assert "Traceback" not in response.text


def test_a_page_after_the_last_says_how_many_pages_there_are(
    client: TestClient, store: GatewayStore
) -> None:
    seed_gateways(store, 60)
    response = client.get("/gateways", params={"page": "5", "q": "gw-"})
    assert response.status_code == 422
    assert problems(response.text).startswith(
        "There is no page 5: the 60 matching gateways fill 2 pages."
    )
    assert 'href="/gateways?q=gw-&amp;page=2">Go to the last page (2)</a>' in response.text
    nothing = client.get("/gateways", params={"page": "2", "q": "no such gateway"})
    assert problems(nothing.text) == "There is no page 2: no gateway matches."


def test_the_signup_link_is_a_link_that_shares_nothing(
    client: TestClient, store: GatewayStore
) -> None:
    seed_gateways(store, 1)
    html = client.get("/gateways").text
    assert (
        '<a class="signup" href="https://www.infobip.com/signup" rel="noopener noreferrer" '
        'target="_blank" title="Signup Link: https://www.infobip.com/signup">'
        "Sign up: infobip.com/signup</a>"
    ) in html


@pytest.mark.parametrize(
    "planted",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/signup",
        "https:evil.example",
        "http://",
        "https://[::1/broken",
    ],
)
def test_a_signup_link_that_is_not_http_never_becomes_a_link(
    client: TestClient, store: GatewayStore, planted: str
) -> None:
    seed_gateways(store, 1)
    plant(store, gateway_key(1), signup_link=planted)
    html = client.get("/gateways").text
    cell = html.split('<td class="gateway-name">', 1)[1].split("</td>", 1)[0]
    assert 'class="signup signup-unlinked"' in cell
    assert "<a " not in cell
    assert "<script>" not in html
    link = signup_link(planted)
    assert link is not None
    assert link.href is None


def test_a_long_signup_link_is_shown_shortened_with_the_whole_address_in_its_title() -> None:
    url = "https://portal.example.com/" + "very-long-path/" * 10 + "?ref=smsplus"
    link = signup_link(url)
    assert link is not None
    assert (link.href, link.full) == (url, url)
    assert link.text == "portal.example.com/very-long-pa…"
    assert len(link.text) == 32


def test_html_in_names_descriptions_and_searches_is_escaped(
    client: TestClient, store: GatewayStore
) -> None:
    seed_gateways(store, 1)
    attack = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    plant(store, gateway_key(1), name=attack, name_normalized=attack.casefold(), description=attack)
    for html in (
        client.get("/gateways").text,
        client.get("/gateways", params={"q": attack[:40]}).text,
    ):
        assert "<script>" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    searched = client.get("/gateways", params={"q": attack[:40]}).text
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;' in searched


def test_the_logo_stands_next_to_the_name_and_the_company_icon_stays(
    client: TestClient, store: GatewayStore
) -> None:

    seed_gateways(store, 1)
    gateway = store.get_gateway(gateway_key(1))
    store.set_logo(
        gateway.key,
        parse_logo(png_bytes(), "image/png"),
        if_version=gateway.version,
        context=WriteContext(token_name=None, actor="test"),
    )
    html = client.get("/gateways").text
    company = html.split('<td class="company">', 1)[1].split("</td>", 1)[0]
    name = html.split('<td class="gateway-name">', 1)[1].split("</td>", 1)[0]
    assert '<img class="company-icon" src="/static/provider-infobip.svg"' in company
    assert f'<img class="logo" src="/gateways/{gateway.key}/logo"' in name


@pytest.mark.parametrize(
    ("current", "last", "shown"),
    [
        (1, 1, [1]),
        (1, 200, [1, 2, 3, None, 200]),
        (6, 200, [1, None, 4, 5, 6, 7, 8, None, 200]),
        (4, 200, [1, 2, 3, 4, 5, 6, None, 200]),
        (200, 200, [1, None, 198, 199, 200]),
    ],
)
def test_the_pager_offers_the_first_the_last_and_the_pages_around_the_current_one(
    current: int, last: int, shown: list[int | None]
) -> None:
    assert page_numbers(current, last) == shown
