"""The Add form's own rules in-process (TestClient over the real app): an empty Account Key is
made from the Gateway Name; a text with a refused character and a logo that is not a whole
image are shown next to their fields, naming the problem; a logo over 256 KiB answers 413 with
the form again (what was typed kept, the file not), while the API keeps its JSON 413. Nothing
is stored by a refused form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.store.web.test_web_inprocess import create, infobip_form
from tests.support.samples import png
from tests.support.web_client import csrf_of

LOGOS = Path(__file__).parents[2] / "core" / "logos"


def field_html(html: str, name: str) -> str:
    found = re.search(rf'data-field="{re.escape(name)}">(.*?)</div>', html, re.S)
    assert found, f"no field {name}"
    return found.group(1)


def post_with_logo(admin: Any, data: bytes, **fields: str) -> Any:
    token = csrf_of(admin.get("/gateways/new/infobip").text)
    return admin.post(
        "/gateways/new/infobip",
        data={"csrf_token": token, **infobip_form(**fields)},
        files={"logo": ("logo.png", data, "image/png")},
    )


def test_an_empty_account_key_is_made_from_the_gateway_name(admin: Any, store: Any) -> None:
    status, _html = create(admin, "infobip", infobip_form(key="", name="Infobip Ünïcode II"))
    assert status == 200
    assert [g.key for g in store.list_gateways().items] == ["infobip-unicode-ii"]


def test_a_name_with_a_right_to_left_override_is_refused_next_to_the_name(
    admin: Any, store: Any
) -> None:
    status, html = create(admin, "infobip", infobip_form(name="Infobip \u202eI"))
    assert status == 422
    assert "U+202E RIGHT-TO-LEFT OVERRIDE at position 9" in field_html(html, "name")
    assert store.list_gateways().items == []


def test_a_polyglot_logo_is_refused_next_to_the_logo(admin: Any, store: Any) -> None:
    response = post_with_logo(admin, (LOGOS / "polyglot-png-html.png").read_bytes())
    assert response.status_code == 422
    assert "bytes after the end of the image" in field_html(response.text, "logo")
    assert store.list_gateways().items == []


def test_a_logo_over_the_limit_gets_413_and_the_form_keeps_what_was_typed(
    admin: Any, store: Any
) -> None:
    five_megabytes = png(padding=5 * 1024 * 1024)
    response = post_with_logo(admin, five_megabytes, name="Infobip Big", description="Kept")

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "The logo is 5.0 MB; at most 256 KiB allowed" in field_html(response.text, "logo")
    assert 'value="Infobip Big"' in response.text
    assert ">Kept</textarea>" in response.text
    assert 'value="infobip-primary"' in response.text
    assert store.list_gateways().items == []


def test_the_api_keeps_its_json_413(app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        response = client.post("/api/v1/gateways", content=b"{" + b" " * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
