"""After `gwctl apply`, the store's web page lists the accounts with masked credentials."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from gwctl.store.server import create_named_user
from tests.support.canaries import CANARY
from tests.support.people import ADMIN
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import LiveStore
from tests.support.web import sign_in


@pytest.mark.browser
def test_the_web_page_lists_what_gwctl_applied(
    browser: Any,
    repo: ConfigRepo,
    live_store: LiveStore,
) -> None:
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    context = browser.new_context(base_url=live_store.server.base_url)
    try:
        page = context.new_page()
        create_named_user(repo.database_url, ADMIN.name, "admin", ADMIN.password)
        sign_in(page, ADMIN)
        table = page.get_by_role("table")
        for name in ("Infobip I", "Infobip II", "Clickatell", "Twilio US"):
            expect(table.get_by_text(name, exact=True).first).to_be_visible()
        expect(table.get_by_text(SECRETS["twilio-us"]["account_sid"])).to_be_visible()
        expect(table.get_by_text("••••" + SECRETS["twilio-us"]["auth_token"][-4:])).to_be_visible()
        assert CANARY not in page.content()
        assert SECRETS["clickatell-africa"]["password"] not in page.content()
    finally:
        context.close()
