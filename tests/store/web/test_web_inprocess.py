"""The web routes in-process (Starlette TestClient) over the real store app (`create_app` on a
SQLite file, real API tokens): sign-in, CSRF, roles, security headers, errors next to fields,
and no credential value in any response."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gwctl.store import errors, sessions
from gwctl.store.context import WriteContext
from gwctl.store.models import AuditEntryOut
from gwctl.store.service import GatewayStore
from tests.support.canaries import CANARY_API_KEY, CANARY_HEX, CANARY_SECRET_KEY
from tests.support.people import ADMIN
from tests.support.web import StoreApp
from tests.support.web_client import csrf_of, sign_in, signin_form

CANARY_KEY, CANARY_SECRET, TWILIO_TOKEN = CANARY_API_KEY, CANARY_SECRET_KEY, CANARY_HEX
TWILIO_SID = "AC" + "0123456789abcdef" * 2
GATEWAY_ACTIONS = ("create", "update", "delete")


def gateway_writes(store: GatewayStore) -> list[AuditEntryOut]:
    """The audit log's gateway writes (creates, updates, deletes), oldest first."""
    return [e for e in store.list_audit(limit=1000).items if e.action in GATEWAY_ACTIONS]


def credentials(store: GatewayStore, key: str) -> dict[str, str]:
    return store.read_credentials(key, WriteContext(token_name="alice", actor="test"))


def infobip_form(**overrides: str) -> dict[str, str]:
    data = {
        "key": "infobip-primary",
        "name": "Infobip I",
        "credentials.api_key": CANARY_KEY,
        "credentials.secret_key": CANARY_SECRET,
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "description": "EU marketing",
        "signup_link": "https://www.infobip.com/signup",
    }
    data.update(overrides)
    return data


def create(client: TestClient, provider: str, data: dict[str, str]) -> tuple[int, str]:
    page = client.get(f"/gateways/new/{provider}")
    assert page.status_code == 200
    response = client.post(
        f"/gateways/new/{provider}",
        data={"csrf_token": csrf_of(page.text), **data},
        follow_redirects=True,
    )
    return response.status_code, response.text


def test_pages_need_a_session(app: Any) -> None:
    with TestClient(app) as client:
        for path in ("/gateways", "/gateways/new", "/gateways/x/edit", "/gateways/x/history"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/signin?next=")
        response = client.post("/gateways/new/infobip", data={}, follow_redirects=False)
        assert response.status_code == 303


def test_signin_sets_a_safe_cookie_and_rejects_a_wrong_password(
    app: Any, store_app: StoreApp
) -> None:
    with TestClient(app) as client:
        page = client.get("/signin")
        wrong = {**signin_form(page.text, ADMIN), "password": "nope-not-the-password"}
        bad = client.post("/signin", data=wrong)
        assert bad.status_code == 401
        assert "user name or password is not right" in bad.text
        assert "nope-not-the-password" not in bad.text
        page = client.get("/signin")
        ok = client.post(
            "/signin",
            data=signin_form(page.text, ADMIN, "//evil.example/"),
            follow_redirects=False,
        )
        assert ok.headers["location"] == "/gateways"
        cookie = next(
            v for k, v in ok.headers.multi_items() if k == "set-cookie" and "gwctl_session" in v
        )
        assert "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        assert "Path=/" in cookie
        assert "Secure" not in cookie
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/signin")
        ok = client.post("/signin", data=signin_form(page.text, ADMIN), follow_redirects=False)
        cookie = next(
            v for k, v in ok.headers.multi_items() if k == "set-cookie" and "gwctl_session" in v
        )
        assert "Secure" in cookie


def test_signin_without_its_csrf_token_is_refused(app: Any, store_app: StoreApp) -> None:
    with TestClient(app) as client:
        form = signin_form(client.get("/signin").text, ADMIN)
        response = client.post("/signin", data={**form, "csrf_token": ""})
        assert response.status_code == 403
        assert "gwctl_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "next_url", ["https://evil.example", "//evil.example", "/\t/evil.example", "/\\evil"]
)
def test_no_open_redirect_after_signin(app: Any, store_app: StoreApp, next_url: str) -> None:
    with TestClient(app) as client:
        page = client.get("/signin")
        ok = client.post(
            "/signin", data=signin_form(page.text, ADMIN, next_url), follow_redirects=False
        )
        assert ok.headers["location"] == "/gateways"


def test_security_headers(admin: TestClient) -> None:
    for path in ("/gateways", "/gateways/new", "/static/app.css", "/signin"):
        response = admin.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert admin.get("/gateways").headers["cache-control"] == "no-store"


def test_no_inline_script_or_style(admin: TestClient) -> None:
    create(admin, "infobip", infobip_form())
    for path in (
        "/gateways",
        "/gateways/new",
        "/gateways/new/twilio",
        "/gateways/infobip-primary/edit",
        "/gateways/infobip-primary/delete",
        "/gateways/infobip-primary/history",
    ):
        html = admin.get(path).text
        # a script only as a same-origin file (CSP script-src 'self'), never inline
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert html.count("<script") == len(scripts), path
        for attributes, body in scripts:
            assert re.fullmatch(r' src="/static/[a-z-]+\.js" defer', attributes), path
            assert body == "", path
        for needle in ("style=", "<style"):
            assert needle not in html, (path, needle)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path


def test_empty_state(admin: TestClient) -> None:
    html = admin.get("/gateways").text
    assert "No gateway has been set up yet" in html
    assert "available gateways: Clickatell, Infobip or Twilio." in html
    assert "Add a Gateway" in html


def test_create_shows_masked_credentials_never_values(
    admin: TestClient, store: GatewayStore
) -> None:
    status, html = create(admin, "infobip", infobip_form())
    assert status == 200
    assert "The gateway &#39;Infobip I&#39; has been added." in html
    assert "••••" + CANARY_KEY[-4:] in html
    assert "••••" + CANARY_SECRET[-4:] in html
    [created] = gateway_writes(store)
    assert (created.action, created.key) == ("create", "infobip-primary")
    assert (created.actor, created.token_name) == ("web:alice", None)
    assert store.get_gateway("infobip-primary").managed_by == "manual"
    assert credentials(store, "infobip-primary") == {
        "api_key": CANARY_KEY,
        "secret_key": CANARY_SECRET,
    }
    for path in (
        "/gateways",
        "/gateways/infobip-primary/edit",
        "/gateways/infobip-primary/delete",
        "/gateways/infobip-primary/history",
    ):
        text = admin.get(path).text
        assert CANARY_KEY not in text, path
        assert CANARY_SECRET not in text, path


def test_twilio_batch_is_reported_next_to_the_field_and_secrets_not_refilled(
    admin: TestClient,
) -> None:
    status, html = create(
        admin,
        "twilio",
        {
            "key": "twilio-us",
            "name": "Twilio US",
            "credentials.account_sid": TWILIO_SID,
            "credentials.auth_token": TWILIO_TOKEN,
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
        },
    )
    assert status == 422
    field = re.search(r'data-field="sending_pattern">(.*?)</div>', html, re.S)
    assert field
    assert "Must be &#39;loop&#39;" in field.group(1)
    assert 'class="field-error"' in field.group(1)
    assert TWILIO_TOKEN not in html
    assert TWILIO_SID in html  # an identifier is re-filled
    assert 'value="Twilio US"' in html


def test_duplicate_name_is_shown_on_the_name_field(admin: TestClient) -> None:
    create(admin, "infobip", infobip_form())
    status, html = create(admin, "infobip", infobip_form(key="infobip-two", name="infobip i"))
    assert status == 409
    field = re.search(r'data-field="name">(.*?)</div>', html, re.S)
    assert field
    assert "already used" in field.group(1)


def test_post_without_csrf_is_refused(admin: TestClient, store: GatewayStore) -> None:
    response = admin.post("/gateways/new/infobip", data=infobip_form())
    assert response.status_code == 403
    assert "security token" in response.text
    response = admin.post("/gateways/new/infobip", data={"csrf_token": "forged", **infobip_form()})
    assert response.status_code == 403
    assert store.list_gateways().items == []
    assert gateway_writes(store) == []


def test_csrf_token_is_per_session(app: Any, store_app: StoreApp, store: GatewayStore) -> None:
    with TestClient(app) as one, TestClient(app) as two:
        sign_in(one, store_app.admin_token)
        sign_in(two, store_app.admin_token)
        token_one = csrf_of(one.get("/gateways/new/infobip").text)
        response = two.post(
            "/gateways/new/infobip", data={"csrf_token": token_one, **infobip_form()}
        )
        assert response.status_code == 403
    assert store.list_gateways().items == []
    assert gateway_writes(store) == []


def test_edit_keeps_secrets_and_detects_stale_versions(
    admin: TestClient, store: GatewayStore
) -> None:
    create(admin, "infobip", infobip_form())
    page = admin.get("/gateways/infobip-primary/edit").text
    assert 'name="version" value="1"' in page
    assert "Leave empty to keep the current value." in page
    token = csrf_of(page)
    form = infobip_form(
        status="inactive", **{"credentials.api_key": "", "credentials.secret_key": ""}
    )
    del form["key"]
    ok = admin.post(
        "/gateways/infobip-primary/edit", data={"csrf_token": token, "version": "1", **form}
    )
    assert ok.status_code == 200
    assert "has been updated" in ok.text
    updated = gateway_writes(store)[-1]
    assert (updated.action, updated.actor) == ("update", "web:alice")
    assert updated.fields == ["status"]  # no credential was written
    assert credentials(store, "infobip-primary") == {
        "api_key": CANARY_KEY,
        "secret_key": CANARY_SECRET,
    }
    stale = admin.post(
        "/gateways/infobip-primary/edit", data={"csrf_token": token, "version": "1", **form}
    )
    assert stale.status_code == 409
    assert "Someone else changed this gateway" in stale.text
    gateway = store.get_gateway("infobip-primary")
    assert (gateway.version, gateway.status) == (2, "inactive")
    assert len(gateway_writes(store)) == 2


def test_delete_needs_confirmation_by_post(admin: TestClient, store: GatewayStore) -> None:
    create(admin, "infobip", infobip_form())
    page = admin.get("/gateways/infobip-primary/delete")
    assert "Delete this gateway?" in page.text
    assert store.get_gateway("infobip-primary").version == 1  # GET never deletes
    response = admin.post(
        "/gateways/infobip-primary/delete",
        data={"csrf_token": csrf_of(page.text), "version": "1"},
    )
    assert "has been deleted" in response.text
    assert "No gateway has been set up yet" in response.text
    with pytest.raises(errors.NotFound):
        store.get_gateway("infobip-primary")
    deleted = gateway_writes(store)[-1]
    assert (deleted.action, deleted.key, deleted.actor) == (
        "delete",
        "infobip-primary",
        "web:alice",
    )
    history = admin.get("/gateways/infobip-primary/history")
    assert history.status_code == 200
    assert "has been deleted" in history.text


def test_read_token_is_read_only(app: Any, store_app: StoreApp, store: GatewayStore) -> None:
    with TestClient(app) as admin:
        sign_in(admin, store_app.admin_token)
        create(admin, "infobip", infobip_form())
    with TestClient(app) as reader:
        sign_in(reader, store_app.read_token)
        html = reader.get("/gateways").text
        assert "Infobip I" in html
        assert "History" in html
        assert "Add a Gateway</a>" not in html
        assert "/edit" not in html
        assert "/delete" not in html
        assert reader.get("/gateways/new").status_code == 403
        assert reader.get("/gateways/infobip-primary/edit").status_code == 403
        token = csrf_of(html)
        response = reader.post(
            "/gateways/new/infobip", data={"csrf_token": token, **infobip_form(key="x", name="X")}
        )
        assert response.status_code == 403
        response = reader.post(
            "/gateways/infobip-primary/delete", data={"csrf_token": token, "version": "1"}
        )
        assert response.status_code == 403
    assert [g.key for g in store.list_gateways().items] == ["infobip-primary"]
    assert store.get_gateway("infobip-primary").version == 1
    assert [(e.action, e.actor) for e in gateway_writes(store)] == [("create", "web:alice")]


def test_description_is_escaped(admin: TestClient) -> None:
    create(admin, "infobip", infobip_form(description="<script>alert(1)</script>"))
    html = admin.get("/gateways").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signout_ends_the_session(admin: TestClient, store: GatewayStore) -> None:
    session_id = admin.cookies["gwctl_session"]
    assert sessions.get_session(store.engine, session_id) is not None
    token = csrf_of(admin.get("/gateways").text)
    response = admin.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert sessions.get_session(store.engine, session_id) is None
    assert admin.get("/gateways", follow_redirects=False).status_code == 303


def test_unknown_provider_and_gateway(admin: TestClient) -> None:
    assert admin.get("/gateways/new/nokia").status_code == 404
    assert admin.get("/gateways/nope/edit").status_code == 404
    assert admin.get("/gateways/nope/history").status_code == 404


def test_oversized_form_is_refused_with_the_pages_own_message(
    admin: TestClient,
    store: GatewayStore,
) -> None:
    token = csrf_of(admin.get("/gateways/new/infobip").text)
    response = admin.post(
        "/gateways/new/infobip",
        data={"csrf_token": token, **infobip_form()},
        files={
            "logo": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (9 * 1024 * 1024), "image/png")
        },
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Form too large" in response.text
    assert "A logo is at most 256 KiB" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert store.list_gateways().items == []
    assert gateway_writes(store) == []


def test_two_signin_tabs_both_work(app: Any, store_app: StoreApp) -> None:
    with TestClient(app) as client:
        first = csrf_of(client.get("/signin").text)
        second = csrf_of(client.get("/signin").text)
        assert first == second
        form = signin_form(client.get("/signin").text, ADMIN)
        assert form["csrf_token"] == first
        response = client.post("/signin", data=form, follow_redirects=False)
        assert response.status_code == 303


def test_a_crafted_notice_link_shows_nothing(admin: TestClient) -> None:
    html = admin.get(
        "/gateways", params={"notice": "created", "name": "Call +1 555 0100 now", "sig": "x"}
    ).text
    assert "Call +1 555" not in html
    assert 'role="status"' not in html
