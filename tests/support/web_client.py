"""Helpers of the in-process web tests: the CSRF field of a page, signing in a TestClient."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(client: TestClient, token: str) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "token": token, "next": "/gateways"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/gateways"
