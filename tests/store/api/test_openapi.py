"""The OpenAPI document says exactly what the store accepts, and the store keeps to it: no
defaults a client would send as a change, required fields and headers required, enums as
enums, per-provider credentials, binary logo bodies, and the methods of a path in Allow."""

from __future__ import annotations

import re
from typing import Any

from gwctl.store.api.write_schemas import portable_pattern
from tests.support.samples import infobip, png, twilio
from tests.support.store_api import Api

GW = "/api/v1/gateways"


def _document(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = api.anon.get("/openapi.json").json()
    return document


def _schemas(api: Api) -> dict[str, Any]:
    schemas: dict[str, Any] = _document(api)["components"]["schemas"]
    return schemas


def _defaults(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return ([node["default"]] if "default" in node else []) + [
            found for value in node.values() for found in _defaults(value)
        ]
    if isinstance(node, list):
        return [found for value in node for found in _defaults(value)]
    return []


def _parameter(api: Api, path: str, method: str, name: str) -> dict[str, Any]:
    operation = _document(api)["paths"][path][method]
    parameter: dict[str, Any] = next(
        p for p in operation["parameters"] if p["name"].lower() == name.lower()
    )
    return parameter


def test_a_put_without_protect_keeps_the_gateway_protected(inprocess_api: Api) -> None:
    api = inprocess_api
    api.admin.post(GW, json=infobip(protect=True)).raise_for_status()
    updated = api.admin.put(
        f"{GW}/infobip-primary", json=infobip(status="inactive"), headers={"If-Match": "1"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["protect"] is True
    assert updated.json()["status"] == "inactive"


def test_no_write_schema_declares_a_default(inprocess_api: Api) -> None:
    schemas = _schemas(inprocess_api)
    writes = {
        name: schema for name, schema in schemas.items() if name.endswith(("Create", "Update"))
    }
    assert {"InfobipGatewayCreate", "TwilioGatewayUpdate", "GatewayCreate"} <= set(writes)
    assert _defaults([writes, schemas["ChangesetRequest"], schemas["LogoWrite"]]) == []


def test_create_requires_the_key_and_every_credential_of_its_provider(
    inprocess_api: Api,
) -> None:
    schemas = _schemas(inprocess_api)
    create = schemas["TwilioGatewayCreate"]
    assert {"key", "provider", "name", "credentials"} <= set(create["required"])
    assert create["properties"]["provider"]["const"] == "twilio"
    assert schemas["TwilioCredentials"]["required"] == ["account_sid", "auth_token"]
    assert set(schemas["TwilioCredentials"]["properties"]) == {"account_sid", "auth_token"}
    assert schemas["TwilioCredentialsUpdate"]["required"] == []
    assert "key" not in schemas["TwilioGatewayUpdate"]["properties"]
    assert "protect" not in schemas["TwilioGatewayUpdate"]["required"]


def test_the_write_body_is_chosen_by_provider(inprocess_api: Api) -> None:
    schemas = _schemas(inprocess_api)
    assert schemas["GatewayCreate"]["discriminator"]["propertyName"] == "provider"
    assert set(schemas["GatewayCreate"]["discriminator"]["mapping"]) == {
        "clickatell",
        "infobip",
        "twilio",
    }
    assert schemas["ProviderId"]["enum"] == ["clickatell", "infobip", "twilio"]


def test_if_match_is_a_required_header_of_every_versioned_write(inprocess_api: Api) -> None:
    for path, method in (
        ("/api/v1/gateways/{key}", "put"),
        ("/api/v1/gateways/{key}", "delete"),
        ("/api/v1/gateways/{key}/logo", "put"),
    ):
        parameter = _parameter(inprocess_api, path, method, "If-Match")
        assert parameter["required"] is True
        assert re.fullmatch(parameter["schema"]["pattern"][1:-1], 'W/"3"')


def test_the_changeset_idempotency_key_is_required(inprocess_api: Api) -> None:
    parameter = _parameter(inprocess_api, "/api/v1/changesets", "post", "Idempotency-Key")
    assert parameter["required"] is True


def test_force_release_must_say_force_true(inprocess_api: Api) -> None:
    parameter = _parameter(inprocess_api, "/api/v1/lock", "delete", "force")
    assert parameter["required"] is True
    assert parameter["schema"]["enum"] == [True]


def test_audit_actions_are_an_enum(inprocess_api: Api) -> None:
    schemas = _schemas(inprocess_api)
    assert "credentials_read" in schemas["AuditAction"]["enum"]
    assert schemas["AuditEntryOut"]["properties"]["action"] == {
        "$ref": "#/components/schemas/AuditAction"
    }
    unknown = inprocess_api.admin.get("/api/v1/audit", params={"action": "nonsense"})
    assert unknown.status_code == 422


def test_timestamps_are_date_times(inprocess_api: Api) -> None:
    schemas = _schemas(inprocess_api)
    assert schemas["GatewayOut"]["properties"]["created_at"]["format"] == "date-time"
    assert schemas["AuditEntryOut"]["properties"]["at"]["format"] == "date-time"
    assert schemas["LockOut"]["properties"]["expires_at"]["format"] == "date-time"


def test_since_must_be_an_rfc_3339_time(inprocess_api: Api) -> None:
    for since in ("0.5", "2026-12-02", "yesterday"):
        response = inprocess_api.admin.get("/api/v1/audit", params={"since": since})
        assert response.status_code == 422, since
    ok = inprocess_api.admin.get("/api/v1/audit", params={"since": "2026-11-24T19:12:04Z"})
    assert ok.status_code == 200


def test_an_unknown_provider_filter_is_refused(inprocess_api: Api) -> None:
    response = inprocess_api.admin.get(GW, params={"provider": "nokia"})
    assert response.status_code == 422
    assert inprocess_api.admin.get(GW, params={"provider": "twilio"}).status_code == 200


def test_a_malformed_if_match_is_a_validation_error(inprocess_api: Api) -> None:
    inprocess_api.admin.post(GW, json=twilio()).raise_for_status()
    response = inprocess_api.admin.delete(f"{GW}/twilio-us", headers={"If-Match": "v1"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["parameter"] == "If-Match"


def test_the_logo_upload_is_an_octet_stream_body(inprocess_api: Api) -> None:
    api = inprocess_api
    body = _document(api)["paths"]["/api/v1/gateways/{key}/logo"]["put"]["requestBody"]
    assert list(body["content"]) == ["application/octet-stream"]
    api.admin.post(GW, json=twilio()).raise_for_status()
    image = png()
    uploaded = api.admin.put(
        f"{GW}/twilio-us/logo",
        content=image,
        headers={"Content-Type": "application/octet-stream", "If-Match": "1"},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["logo"]["content_type"] == "image/png"
    as_bytes = api.admin.get(f"{GW}/twilio-us/logo", headers={"Accept": "application/octet-stream"})
    assert as_bytes.headers["content-type"] == "application/octet-stream"
    assert as_bytes.content == image
    assert api.admin.get(f"{GW}/twilio-us/logo").headers["content-type"] == "image/png"


def test_a_wrong_method_is_answered_with_the_methods_of_the_path(inprocess_api: Api) -> None:
    response = inprocess_api.admin.request("PATCH", "/api/v1/lock")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST", "DELETE"}
    gateway = inprocess_api.admin.request("PATCH", f"{GW}/anything")
    assert set(gateway.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_patterns_spell_whitespace_as_the_store_reads_it() -> None:
    pattern = portable_pattern(r"^https?://[^\s/?#]+\S*$")
    assert re.fullmatch(pattern, "https://example.com/a")
    assert not re.fullmatch(pattern, "https://exa\x1cmple.com")
    assert r"\s" not in pattern
    assert r"\S" not in pattern


def test_the_providers_answer_has_its_documented_shape(inprocess_api: Api) -> None:
    response = inprocess_api.reader.get("/api/v1/providers")
    assert response.status_code == 200, response.text
    fields = {field["name"]: field for item in response.json() for field in item["credentials"]}
    assert set(fields["api_key"]) == {"name", "title", "column", "secret"}
