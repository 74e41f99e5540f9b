"""Signing in as a person, in headless Chromium against a real uvicorn server: a user name and
password; a lockout after repeated failures shows the 429 page saying when to try again; a
changed password signs in and the old one no longer does. The planted passwords never leave
the server (the `web_store` fixture scans every response)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from gwctl.store.throttle import ACCOUNT_KEY_PURPOSE, Limits, Throttle
from tests.support.people import ADMIN, Person
from tests.support.web import BROWSER_ARTIFACTS, StoreApp, sign_in

pytestmark = pytest.mark.browser

LIMITS = Limits(window_seconds=900, per_address=10, per_account=3, tokens_per_address=10)
NEW_PASSWORD = "a brand new passphrase, long"


@pytest.fixture
def small_limits(store_app: StoreApp) -> None:
    store = store_app.store
    key = store.cipher.derive(ACCOUNT_KEY_PURPOSE)
    store_app.app.state.throttle = Throttle(store.engine, key, LIMITS)


def shot(page: Any, name: str) -> None:
    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BROWSER_ARTIFACTS / f"{name}.png"), full_page=True)


def submit_signin(page: Any, name: str, password: str) -> Any:
    """Type a name and password into the sign-in page and press Sign in; the response."""
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name="Sign in").click()
    return response.value


def test_a_person_signs_in_with_a_user_name_and_password(page: Any) -> None:
    sign_in(page, ADMIN)

    expect(page.locator(".who")).to_contain_text("alice")
    expect(page.locator(".who")).to_contain_text("admin")
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    shot(page, "signin-signed-in")


def test_repeated_failures_lock_out_with_a_page_that_says_when_to_try_again(
    page: Any, small_limits: None
) -> None:
    page.goto("/signin")
    for _ in range(LIMITS.per_account):
        wrong = submit_signin(page, ADMIN.name, "a wrong guess of it")
        assert wrong.status == 401
        expect(page.get_by_role("alert")).to_have_text("The user name or password is not right.")

    locked = submit_signin(page, ADMIN.name, ADMIN.password)

    assert locked.status == 429
    assert 1 <= int(locked.headers["retry-after"]) <= LIMITS.window_seconds
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"Too many failed sign-ins\. For your security, try again in 1[45] minutes\.")
    )
    expect(page.get_by_label("User name")).to_be_visible()  # a page, not raw JSON
    assert not any(c["name"] == "gwctl_session" for c in page.context.cookies())
    shot(page, "signin-locked-out")


def test_after_a_password_change_only_the_new_password_signs_in(page: Any) -> None:
    sign_in(page, ADMIN)
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_label("Current password").fill(ADMIN.password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed.")
    shot(page, "password-changed")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin\?notice=signed_out$"))

    old = submit_signin(page, ADMIN.name, ADMIN.password)
    assert old.status == 401

    sign_in(page, Person(ADMIN.name, NEW_PASSWORD))
