"""The web page cannot delete a protected gateway (issue 12): its confirmation page offers no
delete button, and a forged POST of the delete form is refused by the store. Real HTTP to a
uvicorn server, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.people import ADMIN, add_people_to
from tests.support.samples import infobip
from tests.support.store_api import Api
from tests.support.web_client import csrf_of, sign_in

GW = "/api/v1/gateways"
DELETE_PAGE = "/gateways/infobip-primary/delete"


@pytest.fixture
def browser_like(uvicorn_api: Api, key_file: Path) -> Iterator[httpx.Client]:
    """An admin signed in to the web page (cookies, CSRF), over real HTTP."""
    add_people_to(uvicorn_api.database_url, key_file, uvicorn_api.extra["admin_token"])
    with httpx.Client(base_url=uvicorn_api.extra["server"].base_url, timeout=30) as client:
        sign_in(client, ADMIN)
        yield client


def test_the_delete_page_of_a_protected_gateway_offers_no_delete(
    uvicorn_api: Api, browser_like: httpx.Client
) -> None:
    uvicorn_api.admin.post(GW, json=infobip(protect=True)).raise_for_status()

    page = browser_like.get(DELETE_PAGE)

    assert page.status_code == 200
    assert "the store does not delete it" in page.text
    assert "btn-danger" not in page.text


def test_a_forged_delete_of_a_protected_gateway_is_refused(
    uvicorn_api: Api, browser_like: httpx.Client
) -> None:
    uvicorn_api.admin.post(GW, json=infobip(protect=True)).raise_for_status()
    token = csrf_of(browser_like.get("/gateways").text)

    refused = browser_like.post(DELETE_PAGE, data={"csrf_token": token, "version": "1"})

    assert refused.status_code == 409, refused.text
    assert "is protected (protect: true)" in refused.text
    assert uvicorn_api.reader.get(f"{GW}/infobip-primary").json()["version"] == 1
    actions = [entry["action"] for entry in uvicorn_api.reader.get("/api/v1/audit").json()["items"]]
    assert "delete" not in actions


def test_the_web_page_deletes_a_gateway_once_its_protection_is_removed(
    uvicorn_api: Api, browser_like: httpx.Client
) -> None:
    uvicorn_api.admin.post(GW, json=infobip(protect=True)).raise_for_status()
    uvicorn_api.admin.put(
        f"{GW}/infobip-primary", json=infobip(protect=False), headers={"If-Match": "1"}
    ).raise_for_status()
    page = browser_like.get(DELETE_PAGE)

    deleted = browser_like.post(
        DELETE_PAGE,
        data={"csrf_token": csrf_of(page.text), "version": "2"},
        follow_redirects=True,
    )

    assert deleted.status_code == 200, deleted.text
    assert "has been deleted" in deleted.text
    assert uvicorn_api.reader.get(f"{GW}/infobip-primary").status_code == 404
