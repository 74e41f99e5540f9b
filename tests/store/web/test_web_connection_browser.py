"""Test connection in headless Chromium against a real uvicorn server: an admin clicks the
action in the Available Gateways table, confirms, and reads the verdict; the canary values
never leave the server (the `web_store` fixture scans every response)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.canaries import PLANTED
from tests.support.connection_tests import IDENTIFIERS, KEYS, pointed_at, seed, store_app_at
from tests.support.providers import ProviderServer
from tests.support.web import BROWSER_ARTIFACTS, StoreApp, WebStore, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def store_app(tmp_path: Path, providers: ProviderServer) -> Iterator[StoreApp]:
    """The web tests' store app (see conftest), its checks sent to `providers`."""
    store_app = store_app_at(tmp_path, pointed_at(providers.base_url))
    try:
        seed(store_app.store)
        yield store_app
    finally:
        store_app.store.close()


def test_an_admin_clicks_test_connection_and_sees_the_verdict(
    page: Any, web_store: WebStore, providers: ProviderServer
) -> None:
    providers.answer(IDENTIFIERS["infobip"], "rejected")
    sign_in(page, web_store.admin_token)

    row = page.locator(f"#gateways tbody tr[data-key='{KEYS['infobip']}']")
    row.get_by_role("link", name="Test connection").click()
    expect(page.get_by_role("heading", name="Test connection")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()

    result = page.locator("#test-result")
    expect(result).to_contain_text(
        "Infobip I: rejected — API key refused (UNAUTHORIZED) (HTTP 401)"
    )
    expect(result).to_have_attribute("data-verdict", "rejected")
    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BROWSER_ARTIFACTS / "connection-test.png"), full_page=True)
    page.get_by_role("link", name="history").click()
    expect(page).to_have_url(re.compile(r"/gateways/infobip-primary/history$"))
    expect(page.locator("#history")).to_contain_text("API key refused (UNAUTHORIZED)")
    html = page.content()
    for canary in PLANTED:
        assert canary not in html
