"""The Add and Edit forms against the seed page, in headless Chromium on a real uvicorn server:
headings with the right article, each provider's own examples in its hints and errors, titles
(not raw values) in selects and help texts, the Account Key made from the Gateway Name as it
is typed, a 5 MB logo refused on the page's own form (413, what was typed kept), and a name
with a text-direction override or a polyglot logo refused next to its field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.store.web.test_web_browser import API_KEY, SECRET_KEY, open_provider_form, shot
from tests.support.samples import png
from tests.support.web import WebStore, sign_in

pytestmark = pytest.mark.browser

LOGOS = Path(__file__).parents[2] / "core" / "logos"
PROVIDERS = [
    ("infobip", "Infobip", "an"),
    ("clickatell", "Clickatell", "a"),
    ("twilio", "Twilio", "a"),
]
RAW_VALUE = re.compile(r"'(active|inactive|batch|loop)'")


def fill_infobip(page: Any, name: str = "Infobip I") -> None:
    page.get_by_label("Gateway Name").fill(name)
    page.get_by_label("API Key").fill(API_KEY)
    page.get_by_label("Secret Key").fill(SECRET_KEY)
    page.get_by_label("Fallback Sender ID").fill("SMSPLUS")
    page.get_by_label("Description").fill("EU marketing")


def logo_error(page: Any) -> Any:
    return page.locator("[data-field=logo] .field-error")


@pytest.mark.parametrize(("provider", "company", "article"), PROVIDERS)
def test_the_add_page_says_add_a_or_an_company_gateway(
    page: Any, web_store: WebStore, provider: str, company: str, article: str
) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, provider, company)
    heading = f"Add {article} {company} Gateway"
    expect(page.locator("h1")).to_have_text(heading)
    expect(page).to_have_title(f"{heading} · SMSPlus")
    crumbs = [" ".join(t.split()) for t in page.locator(".breadcrumb li").all_inner_texts()]
    assert crumbs == ["Main Navigation", "Setup", "SMS Gateways", "Add a Gateway", company]


@pytest.mark.parametrize(
    ("provider", "company"), [("twilio", "Twilio"), ("clickatell", "Clickatell")]
)
def test_a_provider_form_shows_its_own_examples_in_hints_and_errors(
    page: Any, web_store: WebStore, provider: str, company: str
) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, provider, company)
    form = page.locator("form.gateway-form")
    expect(page.locator("#f-name-help")).to_contain_text(f"'{company} I' or '{company} II'")
    expect(page.get_by_label("Account Key")).to_have_attribute("placeholder", f"{provider}-i")
    expect(page.locator("#f-key-help")).to_contain_text(f"e.g. '{provider}-i'")
    assert "infobip" not in form.inner_text().lower()

    page.get_by_label("Gateway Name").fill(" ")
    page.get_by_label("Signup Link").fill("www.example.com")
    page.get_by_role("button", name="Add Gateway").click()

    expect(page.locator("#f-name-error")).to_contain_text(f"e.g. '{company} I'")
    signup = page.locator("#f-signup-link-error")
    expect(signup).to_contain_text("Must be an http:// or https:// URL, e.g. 'https://www.")
    expect(signup).to_contain_text(company.lower())
    assert "infobip" not in form.inner_text().lower()
    shot(page, f"forms-{provider}-examples")


def test_selects_and_help_texts_show_titles_not_raw_values(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "infobip", "Infobip")
    status = page.get_by_label("Status").locator("option")
    assert status.all_inner_texts() == ["Active", "Inactive"]
    pattern = page.get_by_label("Sending Pattern").locator("option")
    assert pattern.all_inner_texts() == ["Batch", "Loop"]
    helps = page.locator(".help").all_inner_texts()
    assert [h for h in helps if RAW_VALUE.search(h)] == []
    expect(page.locator("#f-status-help")).to_contain_text("Active marks the gateway as working")
    open_provider_form(page, "twilio", "Twilio")
    expect(page.locator("#f-sending-pattern-help")).to_contain_text("the only option is Loop")


def test_the_account_key_follows_the_gateway_name_until_it_is_edited(
    page: Any, web_store: WebStore
) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "infobip", "Infobip")
    name, key = page.get_by_label("Gateway Name"), page.get_by_label("Account Key")
    help_text = page.locator("#f-key-help").inner_text()
    assert not re.search(r"\bgit\b|gateways\.d|\.yaml|file name", help_text), help_text
    assert "made from the Gateway Name" in help_text
    assert "1 to 63 lowercase letters" in help_text

    name.press_sequentially("Infobip Ünïcode II")
    expect(key).to_have_value("infobip-unicode-ii")
    key.fill("eu-marketing")
    name.press_sequentially(" EU")
    expect(key).to_have_value("eu-marketing")
    key.fill("")
    name.fill("")
    name.press_sequentially("Infobip III")
    expect(key).to_have_value("infobip-iii")

    fill_infobip(page, "Infobip III")
    expect(key).to_have_value("infobip-iii")
    page.get_by_role("button", name="Add Gateway").click()
    expect(page.get_by_role("status")).to_contain_text("The gateway 'Infobip III' has been added.")
    expect(page.locator("#gateways tbody tr[data-key='infobip-iii']")).to_be_visible()


def test_a_5_mb_logo_is_refused_on_the_form_which_keeps_what_was_typed(
    page: Any, web_store: WebStore, tmp_path: Path
) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "infobip", "Infobip")
    fill_infobip(page, "Infobip Big")
    big = tmp_path / "photo.png"
    big.write_bytes(png(padding=5 * 1024 * 1024))
    page.get_by_label("Logo").set_input_files(str(big))

    with page.expect_response(re.compile(r"/gateways/new/infobip$")) as answer:
        page.get_by_role("button", name="Add Gateway").click()

    assert answer.value.status == 413
    assert answer.value.headers["content-type"].startswith("text/html")
    expect(logo_error(page)).to_have_text(
        "The logo is 5.0 MB; at most 256 KiB allowed: choose a smaller image"
    )
    expect(page.get_by_label("Gateway Name")).to_have_value("Infobip Big")
    expect(page.get_by_label("Account Key")).to_have_value("infobip-big")
    expect(page.get_by_label("Description")).to_have_value("EU marketing")
    expect(page.get_by_label("Secret Key")).to_have_value("")
    expect(page.get_by_label("Logo")).to_have_value("")
    assert web_store.store.list_gateways().items == []
    shot(page, "forms-5mb-logo")


def test_a_name_with_a_right_to_left_override_is_refused_naming_the_character(
    page: Any, web_store: WebStore
) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "infobip", "Infobip")
    fill_infobip(page, "Infobip \u202eI")
    page.get_by_role("button", name="Add Gateway").click()
    expect(page.locator("#f-name-error")).to_contain_text(
        "U+202E RIGHT-TO-LEFT OVERRIDE at position 9"
    )
    assert web_store.store.list_gateways().items == []


def test_a_polyglot_logo_is_refused_next_to_the_logo_field(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "infobip", "Infobip")
    fill_infobip(page)
    page.get_by_label("Logo").set_input_files(str(LOGOS / "polyglot-png-html.png"))
    page.get_by_role("button", name="Add Gateway").click()
    expect(logo_error(page)).to_contain_text("bytes after the end of the image (its IEND chunk)")
    assert web_store.store.list_gateways().items == []
