"""The web routes over the real store (GatewayStore on SQLite), in-process: what the page writes
is what the store records — a manual edit that `gwctl drift` can see, audited as the web user."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gwctl.store.context import WriteContext
from gwctl.store.models import LockRequest
from gwctl.store.service import GatewayStore
from tests.support.canaries import CANARY_API_KEY as API_KEY
from tests.support.canaries import CANARY_SECRET_KEY as SECRET
from tests.support.samples import png as sample_png
from tests.support.web import StoreApp
from tests.support.web_client import csrf_of, sign_in


@pytest.fixture
def store(store_app: StoreApp) -> GatewayStore:
    store: GatewayStore = store_app.store
    return store


@pytest.fixture
def client(store_app: StoreApp) -> Iterator[TestClient]:
    with TestClient(store_app.app) as client:
        sign_in(client, store_app.admin_token)
        yield client


def gwctl_context() -> WriteContext:
    return WriteContext(token_name="ci", actor="ci:github:1", source_commit="abc123def4567")


def seed(store: GatewayStore) -> None:
    store.create_gateway(
        {
            "key": "infobip-primary",
            "provider": "infobip",
            "name": "Infobip I",
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
            "credentials": {"api_key": API_KEY, "secret_key": SECRET},
            "managed_by": "gwctl",
            "applied_digest": "sha256:" + "ab" * 32,
        },
        gwctl_context(),
    )


def test_a_web_edit_is_a_manual_write_that_drift_can_see(
    store: GatewayStore, client: TestClient
) -> None:
    seed(store)
    table = client.get("/gateways").text
    assert "edited here" not in table
    page = client.get("/gateways/infobip-primary/edit").text
    assert "managed by gwctl from git" in page
    assert SECRET not in page
    assert API_KEY not in page
    response = client.post(
        "/gateways/infobip-primary/edit",
        data={
            "csrf_token": csrf_of(page),
            "version": "1",
            "name": "Infobip I",
            "status": "inactive",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
        },
    )
    assert response.status_code == 200
    assert "edited here" in response.text
    gateway = store.get_gateway("infobip-primary")
    assert gateway.applied_digest is None
    assert gateway.managed_by == "gwctl"
    assert gateway.status == "inactive"
    assert gateway.version == 2
    # credentials left empty kept their values
    assert store.read_credentials("infobip-primary", gwctl_context()) == {
        "api_key": API_KEY,
        "secret_key": SECRET,
    }
    last = store.list_audit(key="infobip-primary", action="update").items[-1]
    assert last.actor == "web:alice"
    assert last.token_name is None
    assert last.fields == ["status"]
    history = client.get("/gateways/infobip-primary/history").text
    assert "ci:github:1" in history
    assert "abc123def456" in history
    assert "web:alice" in history
    assert SECRET not in history


def test_a_held_apply_lock_is_explained_on_the_form(
    store: GatewayStore, client: TestClient
) -> None:
    seed(store)
    store.acquire_lock(
        LockRequest(holder="ci:github:2", reason="apply", ttl_seconds=600), gwctl_context()
    )
    page = client.get("/gateways/infobip-primary/edit").text
    response = client.post(
        "/gateways/infobip-primary/edit",
        data={
            "csrf_token": csrf_of(page),
            "version": "1",
            "name": "Infobip I",
            "status": "inactive",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
        },
    )
    assert response.status_code == 409
    assert "gwctl is applying changes right now" in response.text
    assert "ci:github:2" in response.text
    assert store.get_gateway("infobip-primary").version == 1


def test_store_validation_errors_land_on_their_fields(client: TestClient) -> None:
    page = client.get("/gateways/new/infobip").text
    response = client.post(
        "/gateways/new/infobip",
        data={
            "csrf_token": csrf_of(page),
            "key": "infobip-primary",
            "name": "",
            "credentials.api_key": "short",
            "credentials.secret_key": SECRET,
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "way too long sender id",
            "signup_link": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    html = response.text
    for field in ("name", "credentials.api_key", "fallback_sender_id", "signup_link"):
        block = re.search(rf'data-field="{re.escape(field)}">(.*?)</div>', html, re.S)
        assert block, field
        assert 'class="field-error"' in block.group(1), field
    assert SECRET not in html
    assert "short" not in re.sub(r"<p class=\"help\".*?</p>", "", html)


def test_logo_is_checked_and_served_with_nosniff(store: GatewayStore, client: TestClient) -> None:
    seed(store)
    page = client.get("/gateways/infobip-primary/edit").text
    form = {
        "csrf_token": csrf_of(page),
        "version": "1",
        "name": "Infobip I",
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
    }
    bad = client.post(
        "/gateways/infobip-primary/edit",
        data=form,
        files={"logo": ("x.gif", b"GIF89a" + b"\x00" * 32, "image/png")},
    )
    assert bad.status_code == 422
    assert "The logo must be a PNG or JPEG image" in bad.text
    big = client.post(
        "/gateways/infobip-primary/edit",
        data=form,
        files={"logo": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (256 * 1024), "image/png")},
    )
    assert big.status_code == 413
    assert "The logo is 262152 bytes; at most 256 KiB allowed" in big.text
    png = sample_png()
    ok = client.post(
        "/gateways/infobip-primary/edit",
        data=form,
        files={"logo": ("x.png", png, "application/octet-stream")},
    )
    assert ok.status_code == 200
    logo = client.get("/gateways/infobip-primary/logo")
    assert logo.content == png
    assert logo.headers["content-type"] == "image/png"
    assert logo.headers["x-content-type-options"] == "nosniff"
