"""A changeset carries each image once (`logos`, by SHA-256) and its writes name it."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from tests.support.samples import infobip, logo_field, png
from tests.support.store_api import Api

CS = "/api/v1/changesets"
GW = "/api/v1/gateways"
IMAGE = png()
DIGEST = hashlib.sha256(IMAGE).hexdigest()


def _post(api: Api, key: str, body: dict[str, Any]) -> httpx.Response:
    return api.admin.post(CS, json=body, headers={"Idempotency-Key": key})


def _create(key: str, logo: Any) -> dict[str, Any]:
    return {"op": "create", "gateway": infobip(key=key, name=key, logo=logo)}


def test_gateways_share_an_image_the_changeset_sends_once(api: Api) -> None:
    body = {
        "operations": [
            _create("infobip-a", {"sha256": DIGEST}),
            _create("infobip-b", {"sha256": DIGEST}),
        ],
        "logos": {DIGEST: logo_field(IMAGE)},
    }

    response = _post(api, "logos-1", body)

    assert response.status_code == 200, response.text
    for key in ("infobip-a", "infobip-b"):
        gateway = api.reader.get(f"{GW}/{key}").json()
        assert gateway["logo"]["sha256"] == DIGEST
        assert api.reader.get(gateway["logo"]["url"]).content == IMAGE


def test_a_logo_named_by_a_sha256_the_changeset_lacks_is_refused_where_it_stands(
    inprocess_api: Api,
) -> None:
    body = {"operations": [_create("infobip-a", {"sha256": DIGEST})], "logos": {}}

    response = _post(inprocess_api, "logos-2", body)

    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["pointer"] == "/operations/0/gateway/logo/sha256"
    assert "'logos'" in detail["message"]
    assert inprocess_api.reader.get(GW).json()["items"] == []


def test_an_image_filed_under_another_sha256_is_refused(inprocess_api: Api) -> None:
    wrong = "0" * 64
    body = {
        "operations": [_create("infobip-a", {"sha256": wrong})],
        "logos": {wrong: logo_field(IMAGE)},
    }

    response = _post(inprocess_api, "logos-3", body)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["pointer"] == f"/logos/{wrong}"
    assert inprocess_api.reader.get(GW).json()["items"] == []


def test_a_changeset_image_that_is_not_png_or_jpeg_is_refused(inprocess_api: Api) -> None:
    html = b"<html><script>alert(1)</script>"
    digest = hashlib.sha256(html).hexdigest()
    body = {"operations": [], "logos": {digest: logo_field(html)}}

    response = _post(inprocess_api, "logos-4", body)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["pointer"] == f"/logos/{digest}/data"


def test_a_single_gateway_write_cannot_name_a_logo_by_sha256(inprocess_api: Api) -> None:
    response = inprocess_api.admin.post(GW, json=infobip(logo={"sha256": DIGEST}))

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["pointer"] == "/logo/sha256"
