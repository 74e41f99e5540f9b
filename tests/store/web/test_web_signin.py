"""Signing in to the page with a user name and password, played by an attacker (in-process,
every response scanned for the planted passwords): one answer for a wrong name or a wrong
password, a 429 page after repeated failures, bad bearer tokens throttled on the API, a
disabled user's session ending at once, a role read on every request, a password change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gwctl.store import users
from gwctl.store.throttle import ACCOUNT_KEY_PURPOSE, Limits, Throttle
from tests.support.people import ADMIN, READER
from tests.support.web import CanaryScanner, StoreApp
from tests.support.web_client import csrf_of, sign_in, signin_form

LIMITS = Limits(window_seconds=600, per_address=4, per_account=3, tokens_per_address=3)
PASSWORD_PAGE = "/account/password"


@pytest.fixture
def scanned(store_app: StoreApp) -> Iterator[Any]:
    """The app with small limits on guessing, every response scanned for planted values."""
    store = store_app.store
    key = store.cipher.derive(ACCOUNT_KEY_PURPOSE)
    store_app.app.state.throttle = Throttle(store.engine, key, LIMITS)
    scanner = CanaryScanner(store_app.app)
    yield scanner
    assert scanner.leaks == [], f"a password left the server: {scanner.leaks}"


@pytest.fixture
def client(scanned: Any) -> Iterator[TestClient]:
    with TestClient(scanned) as opened:
        yield opened


def post_signin(client: TestClient, name: str, password: str) -> Any:
    form = signin_form(client.get("/signin").text, ADMIN)
    return client.post(
        "/signin", data={**form, "username": name, "password": password}, follow_redirects=False
    )


def test_the_sign_in_page_asks_for_a_name_and_password_and_names_no_command(
    client: TestClient,
) -> None:
    html = client.get("/signin").text

    assert 'name="username"' in html
    assert 'name="password" type="password"' in html
    assert 'name="token"' not in html
    assert "gwctl" not in html
    assert "token" not in html.replace("csrf_token", "").lower()


def test_an_unknown_user_and_a_wrong_password_get_the_same_page(client: TestClient) -> None:
    unknown = post_signin(client, "mallory", "a guess of a password")
    wrong = post_signin(client, ADMIN.name, "a guess of a password")

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text == wrong.text
    assert "The user name or password is not right." in wrong.text
    assert "mallory" not in unknown.text


def test_repeated_failures_get_the_429_page_saying_when_to_try_again(
    client: TestClient,
) -> None:
    for _ in range(LIMITS.per_account):
        assert post_signin(client, ADMIN.name, "a guess of a password").status_code == 401

    locked = post_signin(client, ADMIN.name, ADMIN.password)

    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("text/html")
    assert 1 <= int(locked.headers["retry-after"]) <= LIMITS.window_seconds
    assert "Too many failed sign-ins" in locked.text
    assert "try again in 10 minutes" in locked.text
    assert "gwctl_session" not in locked.headers.get("set-cookie", "")


def test_repeated_bad_tokens_on_the_api_get_a_429_in_the_contracts_shape(
    client: TestClient, store_app: StoreApp
) -> None:
    bad = {"Authorization": "Bearer gwst_" + "x" * 43}
    for _ in range(LIMITS.tokens_per_address):
        assert client.get("/api/v1/gateways", headers=bad).status_code == 401

    refused = client.get("/api/v1/gateways", headers=bad)
    good = {"Authorization": f"Bearer {store_app.admin_token}"}
    also_refused = client.get("/api/v1/gateways", headers=good)

    assert refused.status_code == also_refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert "try again in" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1


def test_a_disabled_user_loses_the_live_session_at_once(
    client: TestClient, store_app: StoreApp
) -> None:
    sign_in(client, ADMIN)
    assert client.get("/gateways").status_code == 200

    users.disable_user(store_app.store.engine, ADMIN.name)

    response = client.get("/gateways", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")
    assert post_signin(client, ADMIN.name, ADMIN.password).status_code == 401


def test_the_role_is_read_from_the_user_on_every_request(
    client: TestClient, store_app: StoreApp
) -> None:
    sign_in(client, ADMIN)
    with store_app.store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET role = 'read' WHERE name = 'alice'"))

    page = client.get("/gateways/new/infobip")

    assert page.status_code == 403
    assert "a read-only user" in page.text


def test_a_read_user_cannot_write(client: TestClient, store_app: StoreApp) -> None:
    sign_in(client, READER)
    token = csrf_of(client.get("/gateways").text)

    page = client.get("/gateways/new/infobip")
    forged = client.post("/gateways/new/infobip", data={"csrf_token": token, "name": "X"})

    assert page.status_code == forged.status_code == 403
    assert "You are signed in as &#39;auditor&#39;, a read-only user" in forged.text
    assert store_app.store.list_gateways().items == []


def test_changing_the_password_needs_the_current_one(
    client: TestClient, store_app: StoreApp
) -> None:
    sign_in(client, ADMIN)
    form = {
        "csrf_token": csrf_of(client.get(PASSWORD_PAGE).text),
        "current_password": "not the current one",
        "new_password": "a new and long passphrase",
        "new_password_again": "a new and long passphrase",
    }

    refused = client.post(PASSWORD_PAGE, data=form)

    assert refused.status_code == 422
    assert "the current password is not right" in refused.text
    assert users.verify_password(store_app.store.engine, ADMIN.name, ADMIN.password).principal


def test_a_new_password_typed_differently_twice_is_refused(client: TestClient) -> None:
    sign_in(client, ADMIN)
    form = {
        "csrf_token": csrf_of(client.get(PASSWORD_PAGE).text),
        "current_password": ADMIN.password,
        "new_password": "a new and long passphrase",
        "new_password_again": "a new and long passphrasf",
    }

    refused = client.post(PASSWORD_PAGE, data=form)

    assert refused.status_code == 422
    assert "The new password and its repetition differ." in refused.text


def test_a_password_change_without_its_csrf_token_is_refused(
    client: TestClient, store_app: StoreApp
) -> None:
    sign_in(client, ADMIN)
    new = "a new and long passphrase"
    form = {"current_password": ADMIN.password, "new_password": new, "new_password_again": new}

    refused = client.post(PASSWORD_PAGE, data=form)

    assert refused.status_code == 403
    assert users.verify_password(store_app.store.engine, ADMIN.name, new).principal is None


def test_a_password_change_signs_out_the_users_other_sessions(
    scanned: Any, store_app: StoreApp
) -> None:
    new = "a new and long passphrase"
    with TestClient(scanned) as here, TestClient(scanned) as elsewhere:
        sign_in(here, ADMIN)
        sign_in(elsewhere, ADMIN)
        form = {
            "csrf_token": csrf_of(here.get(PASSWORD_PAGE).text),
            "current_password": ADMIN.password,
            "new_password": new,
            "new_password_again": new,
        }

        changed = here.post(PASSWORD_PAGE, data=form)

        assert changed.status_code == 200
        assert "Your password has been changed." in changed.text
        assert here.get("/gateways").status_code == 200
        assert elsewhere.get("/gateways", follow_redirects=False).status_code == 303
    [entry] = store_app.store.list_audit(action="password_change").items
    assert entry.actor == "web:alice"


def change_form(client: TestClient, current: str, new: str) -> dict[str, str]:
    token = csrf_of(client.get(PASSWORD_PAGE).text)
    return {
        "csrf_token": token,
        "current_password": current,
        "new_password": new,
        "new_password_again": new,
    }


def test_a_new_password_the_rules_refuse_is_shown_next_to_its_field(client: TestClient) -> None:
    sign_in(client, ADMIN)

    refused = client.post(PASSWORD_PAGE, data=change_form(client, ADMIN.password, "short"))

    assert refused.status_code == 422
    assert 'id="e-new_password"' in refused.text
    assert "a password is 12 to 128 characters (this one: 5)" in refused.text


def test_guessing_the_current_password_is_throttled_like_a_sign_in(client: TestClient) -> None:
    sign_in(client, ADMIN)
    new = "a new and long passphrase"
    for _ in range(LIMITS.per_account):
        wrong = client.post(PASSWORD_PAGE, data=change_form(client, "a wrong guess", new))
        assert wrong.status_code == 422

    locked = client.post(PASSWORD_PAGE, data=change_form(client, ADMIN.password, new))

    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in locked.text
