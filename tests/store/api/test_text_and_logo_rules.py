"""The store's API applies the same text and logo rules as `gwctl validate` (gwctl.core):
a name or description with a control, invisible formatting or text-direction character or a
pile of combining marks is refused with 422 and the field's pointer, naming the character; a
logo that does not decode fully as the image it claims to be is refused. Nothing is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.samples import JPEG, infobip, logo_field
from tests.support.store_api import Api

GW = "/api/v1/gateways"
LOGOS = Path(__file__).parents[2] / "core" / "logos"


def refusal(api: Api, body: dict[str, Any]) -> dict[str, str]:
    """The one problem of a refused create, as {pointer: message}; nothing was stored."""
    response = api.admin.post(GW, json=body)
    assert response.status_code == 422, response.text
    assert api.reader.get(GW).json()["items"] == []
    return {d["pointer"]: d["message"] for d in response.json()["error"]["details"]}


@pytest.mark.parametrize(
    ("fields", "pointer", "named"),
    [
        ({"name": "Infobip \u202eI"}, "/name", "U+202E RIGHT-TO-LEFT OVERRIDE at position 9"),
        ({"name": "Info\u200bbip"}, "/name", "U+200B ZERO WIDTH SPACE at position 5"),
        ({"name": "e" + "\u0301" * 63}, "/name", "more than 4 combining marks"),
        ({"description": "EU \u2067marketing"}, "/description", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ({"description": "\ufeffEU"}, "/description", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
    ids=["bidi-override", "zero-width", "combining", "isolate-in-description", "bom"],
)
def test_a_text_with_a_refused_character_gets_422_naming_it(
    inprocess_api: Api, fields: dict[str, str], pointer: str, named: str
) -> None:
    problems = refusal(inprocess_api, infobip(**fields))
    assert list(problems) == [pointer]
    assert named in problems[pointer]


def test_a_description_may_hold_line_breaks(inprocess_api: Api) -> None:
    response = inprocess_api.admin.post(GW, json=infobip(description="EU\nmarketing\tteam"))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("polyglot-png-html.png", "bytes after the end of the image"),
        ("html-in-png-text-chunk.png", "carries HTML markup"),
        ("truncated.png", "does not decode as a complete PNG image"),
        ("decompression-bomb.png", "decompression bomb"),
    ],
)
def test_a_logo_that_is_not_a_whole_image_is_refused(
    inprocess_api: Api, name: str, words: str
) -> None:
    problems = refusal(inprocess_api, infobip(logo=logo_field((LOGOS / name).read_bytes())))
    assert list(problems) == ["/logo/data"]
    assert words in problems["/logo/data"]


def test_a_jpeg_polyglot_upload_is_refused(inprocess_api: Api) -> None:
    assert inprocess_api.admin.post(GW, json=infobip()).status_code == 201
    polyglot = (LOGOS / "polyglot-jpeg-html.jpg").read_bytes()
    response = inprocess_api.admin.put(
        f"{GW}/infobip-primary/logo",
        content=polyglot,
        headers={"Content-Type": "image/jpeg", "If-Match": "1"},
    )
    assert response.status_code == 422
    assert "bytes after the end of the image (its EOI marker)" in response.text
    assert inprocess_api.reader.get(f"{GW}/infobip-primary").json()["logo"] is None


def test_a_logo_of_another_type_than_claimed_is_refused_at_its_content_type(
    inprocess_api: Api,
) -> None:
    problems = refusal(inprocess_api, infobip(logo=logo_field(JPEG, "image/png")))
    assert problems == {"/logo/content_type": "the logo is a image/jpeg image, not image/png"}
