"""The Available Gateways table's layout in headless Chromium, at 1,024 and 1,440 px wide: the
Actions column inside the viewport (and its links clickable), the page itself never wider than
the window, a Twilio SID on one line with the whole value in its title, a 64-character name
that does not stretch the table, the uploaded logo next to the gateway name with the company
icon kept, and the Signup Link a real link; planted HTML and `javascript:` links stay text.
Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from gwctl.store.context import WriteContext
from gwctl.store.db import GatewayRow
from gwctl.store.validation import parse_logo
from tests.support.accounts import TWILIO_SID, png_bytes, valid_credentials
from tests.support.many_gateways import seed_gateways
from tests.support.web import BROWSER_ARTIFACTS, WebStore, sign_in

pytestmark = pytest.mark.browser

CONTEXT = WriteContext(token_name=None, actor="layout-tests")
LONG_NAME = "Infobip Enterprise Marketing Account for the EU and EEA Regions"  # 63
UNBROKEN_NAME = "W" * 64
WIDTHS = (1024, 1440)


def add(store: Any, key: str, provider: str, name: str, **fields: Any) -> None:
    store.create_gateway(
        {
            "key": key,
            "provider": provider,
            "name": name,
            "status": "active",
            "sending_pattern": "loop",
            "fallback_sender_id": "SMSPLUS",
            "credentials": valid_credentials(provider),
            **fields,
        },
        CONTEXT,
    )


@pytest.fixture
def gateways(web_store: WebStore) -> WebStore:
    """A table with the values that used to break it, and twenty ordinary rows."""
    store = web_store.store
    add(
        store,
        "aa-infobip-long",
        "infobip",
        LONG_NAME,
        description="EU marketing traffic, promotional campaigns and two-factor codes",
        signup_link="https://www.infobip.com/signup",
    )
    gateway = store.get_gateway("aa-infobip-long")
    store.set_logo(
        gateway.key,
        parse_logo(png_bytes(16, 16), "image/png"),
        if_version=gateway.version,
        context=CONTEXT,
    )
    add(store, "ab-twilio-us", "twilio", "Twilio US")
    add(store, "ac-unbroken", "clickatell", UNBROKEN_NAME)
    seed_gateways(store, 20)
    return web_store


def row(page: Any, key: str) -> Any:
    return page.locator(f"#gateways tbody tr[data-key='{key}']")


def horizontal_extents(page: Any, selector: str) -> list[tuple[float, float]]:
    boxes = page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    return [(float(left), float(right)) for left, right in boxes]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_actions_column_is_inside_the_viewport(
    browser: Any, gateways: WebStore, width: int
) -> None:
    context = browser.new_context(
        base_url=gateways.base_url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, gateways.admin_token)
        BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(BROWSER_ARTIFACTS / f"table-{width}.png"))
        extents = horizontal_extents(page, "#gateways .actions")
        assert len(extents) == 1 + 23  # the header and every row
        for left, right in extents:
            assert 0 <= left < right <= width, f"Actions at {left}..{right}, window {width}"
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width  # the page never scrolls sideways (the table may, inside)
        row(page, "aa-infobip-long").get_by_role("link", name="Edit").click()  # not covered
        expect(page.get_by_role("heading", name=f"Edit {LONG_NAME}")).to_be_visible()
    finally:
        context.close()


def test_the_whole_table_fits_at_1440_px(page: Any, gateways: WebStore) -> None:
    sign_in(page, gateways.admin_token)  # the `page` fixture is 1,440 px wide
    wrap = page.locator(".table-wrap")
    overflow = wrap.evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 0, f"the table scrolls {overflow} px sideways at 1,440 px"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_twilio_sid_stays_on_one_line(browser: Any, gateways: WebStore, width: int) -> None:
    context = browser.new_context(
        base_url=gateways.base_url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, gateways.admin_token)
        sid = row(page, "ab-twilio-us").locator("code.clear")
        expect(sid).to_have_text(TWILIO_SID)  # the whole value, to copy
        expect(sid).to_have_attribute("title", TWILIO_SID)  # and to read
        height, line = sid.evaluate(
            "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]"
        )
        assert height < 1.5 * line, f"the SID is {height / line:.1f} lines high at {width} px"
    finally:
        context.close()


def test_long_names_do_not_stretch_the_table(page: Any, gateways: WebStore) -> None:
    sign_in(page, gateways.admin_token)
    for key in ("aa-infobip-long", "ac-unbroken"):
        name = row(page, key).locator(".name-text")
        height, line, width = name.evaluate(
            "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight),"
            " e.getBoundingClientRect().width]"
        )
        assert height <= 2 * line + 1, f"{key}: {height / line:.1f} lines"
        assert width <= 320
        expect(name).to_have_attribute(
            "title", LONG_NAME if key.startswith("aa") else UNBROKEN_NAME
        )


def test_the_logo_stands_next_to_the_name_and_the_company_icon_stays(
    page: Any, gateways: WebStore
) -> None:
    sign_in(page, gateways.admin_token)
    infobip = row(page, "aa-infobip-long")
    logo = infobip.locator(".gateway-name img.logo")
    name = infobip.locator(".gateway-name .name-text")
    icon = infobip.locator(".company img.company-icon")
    expect(logo).to_have_attribute("src", "/gateways/aa-infobip-long/logo")
    expect(icon).to_have_attribute("src", "/static/provider-infobip.svg")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 16
    assert icon.evaluate("img => img.complete && img.naturalWidth") > 0
    logo_box, name_box = logo.bounding_box(), name.bounding_box()
    assert logo_box["x"] + logo_box["width"] <= name_box["x"]  # to the left of the name
    assert logo_box["y"] < name_box["y"] + name_box["height"]  # on its first line
    assert name_box["y"] < logo_box["y"] + logo_box["height"]
    # a gateway without a logo shows its company icon and no empty image
    expect(row(page, "ab-twilio-us").locator("img.logo")).to_have_count(0)
    expect(row(page, "ab-twilio-us").locator("img.company-icon")).to_have_attribute(
        "src", "/static/provider-twilio.svg"
    )


def test_the_signup_link_is_a_link(page: Any, gateways: WebStore) -> None:
    sign_in(page, gateways.admin_token)
    link = row(page, "aa-infobip-long").get_by_role("link", name="Sign up: infobip.com/signup")
    expect(link).to_have_attribute("href", "https://www.infobip.com/signup")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")


def test_planted_html_and_a_javascript_link_stay_text(page: Any, gateways: WebStore) -> None:
    attack = "<img src=x onerror=alert(1)>"
    with gateways.store.engine.begin() as connection:  # someone with the database
        connection.execute(
            update(GatewayRow)
            .where(GatewayRow.key == "aa-infobip-long")
            .values(name=attack, signup_link="javascript:alert(document.cookie)")
        )
    sign_in(page, gateways.admin_token)
    infobip = row(page, "aa-infobip-long")
    expect(infobip.locator(".name-text")).to_have_text(attack)
    expect(infobip.locator("a.signup")).to_have_count(0)
    expect(infobip.locator(".signup-unlinked")).to_have_text(
        "Sign up: javascript:alert(document.cooki…"
    )
    # the `page` fixture fails the test if a dialog opened (an alert() ran)
