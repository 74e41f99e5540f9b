"""The web page's sign-in with a token: an expired token is refused like an unknown one, a
session ends when its token expires, and the sign-in is a use (last use, new address
audited) like an API request."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from gwctl.store import tokens
from tests.support.clock import Clock
from tests.support.web import StoreApp
from tests.support.web_client import csrf_of, sign_in


def test_signing_in_with_a_token_is_a_use_from_the_browsers_address(store_app: StoreApp) -> None:
    store = store_app.app.state.store
    with TestClient(store_app.app, client=("198.51.100.4", 5000)) as client:
        sign_in(client, store_app.admin_token)

    [entry] = store.list_audit(action="token_new_address").items
    assert (entry.token_name, entry.details["address"]) == ("alice", "198.51.100.4")
    [alice] = [t for t in tokens.list_tokens(store.engine) if t.name == "alice"]
    assert alice.last_used_from == "198.51.100.4"


def test_an_expired_token_cannot_sign_in_and_its_session_ends(
    store_app: StoreApp, clock: Clock
) -> None:
    store = store_app.app.state.store
    token = tokens.create_token(store.engine, "temp", "admin", lifetime=timedelta(hours=1))
    with TestClient(store_app.app) as client:
        sign_in(client, token)
        assert client.get("/gateways", follow_redirects=False).status_code == 200
        clock.advance(timedelta(hours=1))
        assert client.get("/gateways", follow_redirects=False).status_code == 303  # to /signin

    with TestClient(store_app.app) as fresh:
        page = fresh.get("/signin")
        refused = fresh.post(
            "/signin",
            data={"csrf_token": csrf_of(page.text), "token": token, "next": "/gateways"},
            follow_redirects=False,
        )
    assert refused.status_code == 401
    assert "This token is not valid" in refused.text
