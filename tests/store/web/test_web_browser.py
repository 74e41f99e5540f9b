"""Issue 3's acceptance for the web page, in headless Chromium against a real uvicorn server.

Sign in; add an Infobip account through the provider picker and its schema-generated form; see
it in the Available Gateways table with masked credentials; edit it; a Twilio account with
`batch` shows the error next to the field; delete with confirmation; the empty state; a
`<script>` description renders as text; a POST without the CSRF token is refused; a read token
sees no write actions and its POST is refused. The canary credential values never leave the
server (checked on every response by the `web_store` fixture).
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.accounts import TWILIO_SID
from tests.support.canaries import CANARY_API_KEY, CANARY_HEX, CANARY_SECRET_KEY, PLANTED
from tests.support.people import ADMIN
from tests.support.web import BROWSER_ARTIFACTS, WebStore, sign_in

pytestmark = pytest.mark.browser

API_KEY, SECRET_KEY, AUTH_TOKEN = CANARY_API_KEY, CANARY_SECRET_KEY, CANARY_HEX


def png(width: int = 16, height: int = 16) -> bytes:
    """A small valid PNG: an orange square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x5a\x1f" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def shot(page: Any, name: str) -> None:
    """A screenshot for people to look at (test-artifacts/ is gitignored)."""
    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BROWSER_ARTIFACTS / f"{name}.png"), full_page=True)


def assert_no_canary(page: Any) -> None:
    html = page.content()
    for canary in PLANTED:
        assert canary not in html, f"{canary} in {page.url}"


def open_provider_form(page: Any, provider: str, company: str) -> None:
    page.goto("/gateways")
    page.get_by_role("link", name="Add a Gateway").click()
    expect(page.get_by_role("heading", name="Add a Gateway")).to_be_visible()
    page.locator(f"[data-provider={provider}]").click()
    article = "an" if company[0] in "AEIOU" else "a"
    expect(page.get_by_role("heading", name=f"Add {article} {company} Gateway")).to_be_visible()


def add_infobip(
    page: Any,
    tmp_path: Path,
    *,
    key: str = "infobip-primary",
    name: str = "Infobip I",
    description: str = "EU marketing",
) -> None:
    open_provider_form(page, "infobip", "Infobip")
    page.get_by_label("Account Key").fill(key)
    page.get_by_label("Gateway Name").fill(name)
    page.get_by_label("API Key").fill(API_KEY)
    page.get_by_label("Secret Key").fill(SECRET_KEY)
    page.get_by_label("Sending Pattern").select_option("batch")
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Fallback Sender ID").fill("SMSPLUS")
    logo = tmp_path / "infobip.png"
    logo.write_bytes(png())
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Add Gateway").click()
    expect(page.get_by_role("status")).to_contain_text(f"The gateway '{name}' has been added.")


def row(page: Any, key: str) -> Any:
    return page.locator(f"#gateways tbody tr[data-key='{key}']")


def cells(page: Any, key: str) -> dict[str, str]:
    def clean(texts: list[str]) -> list[str]:
        return [" ".join(text.split()) for text in texts]

    headers = clean(page.locator("#gateways thead th").all_text_contents())
    values = clean(row(page, key).locator("td").all_text_contents())
    return dict(zip(headers, values, strict=True))


def test_add_edit_history_delete_an_infobip_account(
    page: Any, web_store: WebStore, tmp_path: Path
) -> None:
    sign_in(page, web_store.admin_token)
    expect(page.locator("#empty-state")).to_contain_text("No gateway has been set up yet")
    shot(page, "01-empty")

    # the provider picker: one icon per provider, with the company name
    page.get_by_role("link", name="Add a Gateway").click()
    tiles = page.locator(".provider-tile")
    expect(tiles).to_have_count(3)
    for company in ("Clickatell", "Infobip", "Twilio"):
        expect(page.locator(".provider-name", has_text=company)).to_be_visible()
    shot(page, "02-picker")
    page.locator("[data-provider=infobip]").click()
    # the form, generated from the schema: titles, descriptions, required markers, secrets
    expect(page.get_by_label("API Key")).to_have_attribute("type", "password")
    expect(page.get_by_label("Secret Key")).to_have_attribute("type", "password")
    expect(page.locator("[data-field=name] .req")).to_be_visible()
    expect(page.locator("[data-field=description] .req")).to_have_count(0)
    expect(page.locator("[data-field=name] .help")).to_contain_text("Infobip I")
    expect(page.get_by_label("Sending Pattern").locator("option")).to_have_count(2)
    shot(page, "03-form")

    add_infobip(page, tmp_path)
    table = cells(page, "infobip-primary")
    assert table["S/N"] == "1"
    assert table["Company Name"] == "Infobip"
    assert table["Gateway Name"].startswith("Infobip I")
    assert table["API Key"] == "••••" + API_KEY[-4:]
    assert table["Secret Key"] == "••••" + SECRET_KEY[-4:]
    assert table["Username"] == ""
    assert table["Password"] == ""
    assert table["Status"] == "Active"
    assert table["Sending Pattern"] == "Batch"
    assert table["Fallback Sender ID"] == "SMSPLUS"
    assert table["Managed by"].startswith("manual")
    # the uploaded logo is served back and shown
    logo = row(page, "infobip-primary").locator("img.logo")
    expect(logo).to_have_attribute("src", "/gateways/infobip-primary/logo")
    assert page.evaluate("img => img.naturalWidth", logo.element_handle()) == 16
    assert_no_canary(page)
    shot(page, "04-table")

    # edit: same form, prefilled, secrets empty with a hint, version sent along
    row(page, "infobip-primary").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit Infobip I")).to_be_visible()
    expect(page.get_by_label("Gateway Name")).to_have_value("Infobip I")
    expect(page.get_by_label("API Key")).to_have_value("")
    expect(page.get_by_label("Secret Key")).to_have_value("")
    expect(page.locator("[data-field='credentials.api_key'] .help")).to_contain_text(
        "Leave empty to keep the current value."
    )
    expect(page.get_by_label("Description")).to_have_value("EU marketing")
    assert_no_canary(page)
    shot(page, "05-edit")
    page.get_by_label("Gateway Name").fill("Infobip II")
    page.get_by_label("Status").select_option("inactive")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("The gateway 'Infobip II' has been updated.")
    table = cells(page, "infobip-primary")
    assert table["Gateway Name"].startswith("Infobip II")
    assert table["Status"] == "Inactive"
    assert table["API Key"] == "••••" + API_KEY[-4:]  # kept
    assert table["Secret Key"] == "••••" + SECRET_KEY[-4:]

    # history: who, what, fields; never a value
    row(page, "infobip-primary").get_by_role("link", name="History").click()
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("update")
    expect(history.nth(0)).to_contain_text("status")
    expect(history.nth(0)).to_contain_text("alice")
    expect(history.nth(1)).to_contain_text("create")
    assert_no_canary(page)
    shot(page, "06-history")

    # delete: a confirmation page, then a POST
    page.goto("/gateways")
    row(page, "infobip-primary").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete this gateway?")).to_be_visible()
    page.get_by_role("button", name="Delete Infobip II").click()
    expect(page.get_by_role("status")).to_contain_text("The gateway 'Infobip II' has been deleted.")
    expect(page.locator("#empty-state")).to_contain_text("No gateway has been set up yet")


def test_twilio_batch_is_refused_next_to_the_field(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "twilio", "Twilio")
    pattern = page.get_by_label("Sending Pattern")
    assert pattern.locator("option").all_inner_texts() == ["Loop"]
    expect(page.get_by_label("SID")).to_have_attribute("type", "text")
    expect(page.get_by_label("Auth Token")).to_have_attribute("type", "password")
    page.get_by_label("Account Key").fill("twilio-us")
    page.get_by_label("Gateway Name").fill("Twilio US")
    page.get_by_label("SID").fill(TWILIO_SID)
    page.get_by_label("Auth Token").fill(AUTH_TOKEN)
    page.get_by_label("Fallback Sender ID").fill("+447700900123")
    # the select offers only loop: craft the value a hand-made request would send
    pattern.evaluate("select => { select.add(new Option('Batch', 'batch')); }")
    pattern.select_option("batch")
    page.get_by_role("button", name="Add Gateway").click()

    field = page.locator("[data-field=sending_pattern]")
    expect(field.locator(".field-error")).to_contain_text("Must be 'loop'")
    expect(field.locator("select")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-errors")).to_contain_text("The gateway was not saved.")
    # values re-filled, except the secret
    expect(page.get_by_label("Gateway Name")).to_have_value("Twilio US")
    expect(page.get_by_label("SID")).to_have_value(TWILIO_SID)
    expect(page.get_by_label("Auth Token")).to_have_value("")
    assert_no_canary(page)
    shot(page, "07-twilio-error")

    # with loop it goes through; the SID shows in clear under API Key, the token masked
    page.get_by_label("Account Key").fill("twilio-us")
    page.get_by_label("Auth Token").fill(AUTH_TOKEN)
    page.get_by_label("Sending Pattern").select_option("loop")
    page.get_by_role("button", name="Add Gateway").click()
    expect(page.get_by_role("status")).to_contain_text("has been added")
    table = cells(page, "twilio-us")
    assert table["API Key"] == TWILIO_SID
    assert table["Secret Key"] == "••••" + AUTH_TOKEN[-4:]


def test_script_in_description_renders_as_text(
    page: Any, web_store: WebStore, tmp_path: Path, watch: Any
) -> None:
    sign_in(page, web_store.admin_token)
    add_infobip(page, tmp_path, description="<script>alert(1)</script>")
    description = row(page, "infobip-primary").locator(".description")
    expect(description).to_have_text("<script>alert(1)</script>")
    row(page, "infobip-primary").get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Description")).to_have_value("<script>alert(1)</script>")
    page.goto("/gateways")
    assert watch.dialogs == []


def test_form_post_without_csrf_token_is_refused(page: Any, web_store: WebStore) -> None:
    sign_in(page, web_store.admin_token)
    open_provider_form(page, "clickatell", "Clickatell")
    page.get_by_label("Account Key").fill("clickatell-main")
    page.get_by_label("Gateway Name").fill("Clickatell")
    page.get_by_label("Username").fill("smsplus")
    page.get_by_label("Password").fill(SECRET_KEY)
    page.get_by_label("Fallback Sender ID").fill("SMSPLUS")
    page.locator("form.gateway-form input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Add Gateway").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", name="Request refused")).to_be_visible()
    # the same with a forged token, sent with the session cookie
    response = page.request.post(
        "/gateways/new/clickatell",
        form={"csrf_token": "forged", "key": "x", "name": "X"},
        max_redirects=0,
    )
    assert response.status == 403
    page.goto("/gateways")
    expect(page.locator("#empty-state")).to_be_visible()


def test_read_token_sees_everything_read_only(
    page: Any, web_store: WebStore, tmp_path: Path, browser: Any
) -> None:
    sign_in(page, web_store.admin_token)
    add_infobip(page, tmp_path)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have been signed out.")

    sign_in(page, web_store.read_token)
    expect(page.locator(".badge-read")).to_have_text("read-only")
    expect(row(page, "infobip-primary")).to_contain_text("Infobip I")
    expect(page.get_by_role("link", name="Add a Gateway")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete")).to_have_count(0)
    expect(row(page, "infobip-primary").get_by_role("link", name="History")).to_be_visible()
    assert_no_canary(page)
    shot(page, "08-read-only")
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for path, form in (
        ("/gateways/new/infobip", {"key": "x", "name": "X"}),
        ("/gateways/infobip-primary/edit", {"name": "X", "version": "1"}),
        ("/gateways/infobip-primary/delete", {"version": "1"}),
    ):
        response = page.request.post(path, form={"csrf_token": csrf, **form}, max_redirects=0)
        assert response.status == 403, path
    response = page.goto("/gateways/infobip-primary/edit")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Read-only access")).to_be_visible()
    page.goto("/gateways")
    expect(row(page, "infobip-primary")).to_contain_text("Infobip I")


def test_stale_edit_shows_a_conflict(page: Any, web_store: WebStore, tmp_path: Path) -> None:
    sign_in(page, web_store.admin_token)
    add_infobip(page, tmp_path)
    other = page.context.new_page()
    other.goto("/gateways/infobip-primary/edit")
    page.goto("/gateways/infobip-primary/edit")
    page.get_by_label("Fallback Sender ID").fill("FIRST")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("has been updated")
    other.get_by_label("Fallback Sender ID").fill("SECOND")
    other.get_by_role("button", name="Save changes").click()
    expect(other.locator("#conflict")).to_contain_text("Someone else changed this gateway")
    page.goto("/gateways")
    assert cells(page, "infobip-primary")["Fallback Sender ID"] == "FIRST"


def test_pages_need_sign_in_and_send_security_headers(page: Any, web_store: WebStore) -> None:
    response = page.goto("/gateways/new")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fgateways%2Fnew$"))
    assert response is not None
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    page.get_by_label("User name").fill(ADMIN.name)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The user name or password is not right")
    page.get_by_label("User name").fill(ADMIN.name)
    page.get_by_label("Password").fill(ADMIN.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/gateways/new$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "gwctl_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"


def test_table_shows_each_credential_in_its_schema_column(page: Any, web_store: WebStore) -> None:
    from gwctl.store.context import WriteContext

    ci = WriteContext(token_name="ci", actor="ci:github:7", source_commit="0123abcd")
    common = {"status": "active", "fallback_sender_id": "SMSPLUS"}
    web_store.store.create_gateway(
        {
            "key": "clickatell-main",
            "provider": "clickatell",
            "name": "Clickatell",
            "sending_pattern": "batch",
            "credentials": {"username": "smsplus-ops", "password": SECRET_KEY},
            "managed_by": "gwctl",
            "applied_digest": "sha256:" + "0" * 64,
            **common,
        },
        ci,
    )
    web_store.store.create_gateway(
        {
            "key": "infobip-primary",
            "provider": "infobip",
            "name": "Infobip I",
            "sending_pattern": "batch",
            "credentials": {"api_key": API_KEY, "secret_key": SECRET_KEY},
            "managed_by": "gwctl",
            "applied_digest": "sha256:" + "0" * 64,
            **common,
        },
        ci,
    )
    web_store.store.create_gateway(
        {
            "key": "twilio-us",
            "provider": "twilio",
            "name": "Twilio US",
            "sending_pattern": "loop",
            "credentials": {"account_sid": TWILIO_SID, "auth_token": AUTH_TOKEN},
            **common,
        },
        ci,
    )
    sign_in(page, web_store.admin_token)
    clickatell = cells(page, "clickatell-main")
    assert clickatell["S/N"] == "1"
    assert (clickatell["API Key"], clickatell["Secret Key"]) == ("", "")
    assert clickatell["Username"] == "smsplus-ops"
    assert clickatell["Password"] == "••••"  # a password shows nothing of itself
    assert clickatell["Managed by"] == "gwctl"
    infobip = cells(page, "infobip-primary")
    assert infobip["S/N"] == "2"
    assert infobip["API Key"] == "••••" + API_KEY[-4:]
    assert (infobip["Username"], infobip["Password"]) == ("", "")
    twilio = cells(page, "twilio-us")
    assert twilio["S/N"] == "3"
    assert twilio["API Key"] == TWILIO_SID
    assert twilio["Secret Key"] == "••••" + AUTH_TOKEN[-4:]
    assert twilio["Managed by"] == "manual"
    assert_no_canary(page)
    shot(page, "09-three-providers")
