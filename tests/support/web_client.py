"""Helpers of the in-process web tests: the CSRF field of a page, signing in a TestClient."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.support.people import Person, person


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def signin_form(html: str, who: Person | str, next_path: str = "/gateways") -> dict[str, str]:
    """The sign-in form of the page `html` filled in for `who`."""
    signing_in = person(who)
    return {
        "csrf_token": csrf_of(html),
        "username": signing_in.name,
        "password": signing_in.password,
        "next": next_path,
    }


def sign_in(client: TestClient | httpx.Client, who: Person | str) -> None:
    """Sign a client in to the web page as `who` (or the user a fixture's token stands for)."""
    page = client.get("/signin")
    response = client.post("/signin", data=signin_form(page.text, who), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/gateways"
