"""The Available Gateways table over 10,000 gateways, in headless Chromium against a real
uvicorn server: pages of 50 with the count, page links and rows per page, a search by name
and by key, filters by provider and status, and a query that survives as a bookmark.

The 10,000 gateways are seeded once for this module (one changeset through the store's
service: one transaction) and each test gets a copy of that database, so every test starts
from the same store.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from gwctl.store.service import GatewayStore
from tests.support.many_gateways import gateway_key, seed_gateways
from tests.support.web import BROWSER_ARTIFACTS, WebStore, sign_in

pytestmark = pytest.mark.browser

GATEWAYS = 10_000


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a store of 10,000 gateways: `store.db` and its key files."""
    directory = tmp_path_factory.mktemp("seeded")
    store = GatewayStore.open(
        f"sqlite:///{directory / 'store.db'}", key_file=directory / "store.key"
    )
    try:
        seed_gateways(store, GATEWAYS)
    finally:
        store.close()
    return directory


@pytest.fixture(autouse=True)
def seeded_copy(seeded: Path, tmp_path: Path) -> None:
    """The seeded store where `store_app` opens its database (autouse: before it runs)."""
    for source in seeded.iterdir():
        shutil.copy2(source, tmp_path / source.name)


def rows(page: Any) -> Any:
    return page.locator("#gateways tbody tr")


def keys(page: Any) -> list[str]:
    return [str(key) for key in rows(page).evaluate_all("rows => rows.map(r => r.dataset.key)")]


def serials(page: Any) -> list[int]:
    return [int(text) for text in page.locator("#gateways tbody td.num").all_text_contents()]


def count(page: Any) -> Any:
    return page.locator("#result-count")


def pager(page: Any) -> Any:
    return page.get_by_role("navigation", name="Pages")


def search(page: Any, text: str) -> None:
    page.get_by_label("Search", exact=True).fill(text)
    page.get_by_role("button", name="Search").click()


def test_paging_through_10000_gateways(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    expect(count(page)).to_have_text(re.compile(r"Showing\s+1–50\s+of\s+10,000\s+gateways"))
    expect(rows(page)).to_have_count(50)
    assert keys(page) == [gateway_key(i) for i in range(1, 51)]

    pager(page).get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(re.compile(r"/gateways\?page=2$"))
    expect(count(page)).to_have_text(re.compile(r"Showing\s+51–100\s+of\s+10,000"))
    assert serials(page) == list(range(51, 101))
    expect(pager(page).get_by_role("link", name="Page 2", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    pager(page).get_by_role("link", name="Page 200").click()
    expect(count(page)).to_have_text(re.compile(r"Showing\s+9,951–10,000\s+of\s+10,000"))
    assert keys(page)[-1] == gateway_key(GATEWAYS)
    expect(pager(page).get_by_role("link", name="Next ›")).to_have_count(0)  # the last page

    page.get_by_label("Rows per page").select_option("200")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"per_page=200"))
    expect(rows(page)).to_have_count(200)  # the form starts again at page 1
    expect(pager(page).get_by_role("link", name="Page 50")).to_be_visible()
    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BROWSER_ARTIFACTS / "table-10000-paged.png"))


def test_search_by_name_and_by_key_over_10000_gateways(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    search(page, "TWILIO 0999")
    expect(page).to_have_url(re.compile(r"\?q=TWILIO\+0999&"))
    expect(count(page)).to_have_text(
        re.compile(r"Showing\s+1–3\s+of\s+3\s+gateways\s+matching\s+“TWILIO 0999”")
    )
    assert keys(page) == [gateway_key(i) for i in (9992, 9995, 9998)]
    expect(page.get_by_label("Search", exact=True)).to_have_value("TWILIO 0999")

    search(page, "gw-0004")
    assert keys(page) == [gateway_key(i) for i in range(40, 50)]

    search(page, "100%")  # a wildcard matches itself only: no name has one
    expect(page.locator("#no-match")).to_contain_text("No gateway matches this search.")
    page.get_by_role("link", name="Show all gateways").click()
    expect(count(page)).to_contain_text("of 10,000 gateways")


def test_filters_by_provider_and_status_keep_to_every_page(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    page.get_by_label("Company", exact=True).select_option("twilio")
    page.get_by_label("Status", exact=True).select_option("inactive")
    page.get_by_role("button", name="Search").click()
    expect(count(page)).to_have_text(
        re.compile(r"Showing\s+1–50\s+of\s+333\s+gateways\s+matching\s+Twilio · Inactive")
    )
    pager(page).get_by_role("link", name="Next ›").click()
    expect(page).to_have_url(re.compile(r"provider=twilio&status=inactive&page=2"))
    expect(count(page)).to_have_text(re.compile(r"Showing\s+51–100\s+of\s+333"))
    companies = page.locator("#gateways tbody td.company").all_text_contents()
    statuses = page.locator("#gateways tbody .status").all_text_contents()
    assert {text.strip() for text in companies} == {"Twilio"}
    assert set(statuses) == {"Inactive"}
    expect(page.get_by_label("Company", exact=True)).to_have_value("twilio")

    page.get_by_role("link", name="Clear").click()
    expect(count(page)).to_contain_text("of 10,000 gateways")
    expect(page.get_by_label("Status", exact=True)).to_have_value("")


def test_a_bookmarked_query_shows_the_same_page(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    page.goto("/gateways?q=infobip&status=active&page=3&per_page=25")
    expect(count(page)).to_have_text(re.compile(r"Showing\s+51–75\s+of\s+3,000\s+gateways"))
    assert all("infobip" in key for key in keys(page))
    page.goto("/gateways?page=0")
    expect(page.get_by_role("alert")).to_contain_text("There is no page '0'")
