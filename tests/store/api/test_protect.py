"""The store enforces `protect: true` itself (issue 12): an admin token outside gwctl cannot
delete a protected gateway in one step, through `DELETE` or a changeset; removing the
protection is a write of its own, audited as `unprotect`. On SQLite, PostgreSQL and MariaDB
(`api`: in-process and through a real uvicorn server)."""

from __future__ import annotations

from typing import Any

from tests.support.samples import infobip, twilio, without
from tests.support.store_api import Api

GW = "/api/v1/gateways"
KEY = "infobip-primary"


def protected(api: Api) -> dict[str, Any]:
    created = api.admin.post(GW, json=infobip(protect=True))
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def audit_of(api: Api, key: str = KEY) -> list[dict[str, Any]]:
    page = api.reader.get("/api/v1/audit", params={"key": key})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def changeset(api: Api, *operations: dict[str, Any], idempotency_key: str = "k-1") -> Any:
    return api.admin.post(
        "/api/v1/changesets",
        json={"operations": list(operations)},
        headers={"Idempotency-Key": idempotency_key},
    )


def test_an_admin_token_cannot_delete_a_protected_gateway(api: Api) -> None:
    protected(api)

    refused = api.admin.delete(f"{GW}/{KEY}", headers={"If-Match": "1"})

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "protected"
    assert "protect: false" in error["message"]
    assert "then delete" in error["message"]
    still = api.reader.get(f"{GW}/{KEY}")
    assert still.status_code == 200
    assert (still.json()["version"], still.json()["protect"]) == (1, True)
    assert [entry["action"] for entry in audit_of(api)] == ["create"]


def test_a_changeset_that_deletes_a_protected_gateway_applies_nothing(api: Api) -> None:
    protected(api)
    api.admin.post(GW, json=twilio()).raise_for_status()
    before = api.dump()

    refused = changeset(
        api,
        {"op": "create", "gateway": infobip("infobip-backup", "Infobip Backup")},
        {"op": "update", "key": "twilio-us", "if_version": 1, "gateway": twilio(status="inactive")},
        {"op": "delete", "key": KEY, "if_version": 1},
    )

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "protected"
    assert [detail["operation"] for detail in error["details"]] == [2]
    assert api.dump() == before


def test_a_changeset_cannot_remove_the_protection_and_delete_in_one_request(api: Api) -> None:
    protected(api)
    before = api.dump()

    refused = changeset(
        api,
        {"op": "update", "key": KEY, "if_version": 1, "gateway": infobip(protect=False)},
        {"op": "delete", "key": KEY, "if_version": 2},
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "protected"
    assert refused.json()["error"]["details"][0]["operation"] == 1
    assert api.dump() == before


def test_removing_the_protection_together_with_another_change_is_refused(api: Api) -> None:
    protected(api)
    before = api.dump()

    refused = api.admin.put(
        f"{GW}/{KEY}",
        json=infobip(protect=False, description="about to go"),
        headers={"If-Match": "1"},
    )

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "protected"
    assert "description" in error["message"]
    assert "alone" in error["message"]
    assert error["details"][0]["pointer"] == "/protect"
    assert api.dump() == before


def test_removing_the_protection_together_with_a_new_credential_is_refused(api: Api) -> None:
    protected(api)
    body = infobip(protect=False, credentials={"api_key": "ib-api-key-0002"})

    refused = api.admin.put(f"{GW}/{KEY}", json=body, headers={"If-Match": "1"})

    assert refused.status_code == 409, refused.text
    assert "credentials.api_key" in refused.json()["error"]["message"]
    assert "ib-api-key-0002" not in refused.text
    assert api.reader.get(f"{GW}/{KEY}").json()["protect"] is True


def test_a_rename_that_removes_the_protection_is_refused(api: Api) -> None:
    protected(api)
    before = api.dump()

    refused = changeset(
        api,
        {
            "op": "rename",
            "key": KEY,
            "new_key": "infobip-eu",
            "if_version": 1,
            "gateway": infobip("infobip-eu", protect=False),
        },
    )

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "protected"
    assert error["details"] == [
        {
            "pointer": "/operations/0/gateway/protect",
            "message": "send protect: false in a write of its own",
            "operation": 0,
        }
    ]
    assert api.dump() == before


def test_a_protected_gateway_may_be_renamed_and_stays_protected(api: Api) -> None:
    protected(api)

    renamed = changeset(api, {"op": "rename", "key": KEY, "new_key": "infobip-eu", "if_version": 1})

    assert renamed.status_code == 200, renamed.text
    assert api.reader.get(f"{GW}/infobip-eu").json()["protect"] is True


def test_removing_the_protection_alone_then_deleting_works_and_both_are_audited(
    api: Api,
) -> None:
    protected(api)
    actor = {"X-Gwctl-Actor": "alice@laptop"}

    unprotected = api.admin.put(
        f"{GW}/{KEY}", json=infobip(protect=False), headers={"If-Match": "1", **actor}
    )
    assert unprotected.status_code == 200, unprotected.text
    assert unprotected.json()["protect"] is False
    deleted = api.admin.delete(f"{GW}/{KEY}", headers={"If-Match": "2", **actor})
    assert deleted.status_code == 204, deleted.text

    entries = audit_of(api)
    assert [entry["action"] for entry in entries] == ["create", "unprotect", "delete"]
    unprotect = entries[1]
    assert (unprotect["fields"], unprotect["actor"]) == (["protect"], "alice@laptop")
    assert unprotect["details"] == {"protect": {"from": True, "to": False}}
    found = api.reader.get("/api/v1/audit", params={"action": "unprotect"}).json()["items"]
    assert [(entry["key"], entry["seq"]) for entry in found] == [(KEY, unprotect["seq"])]


def test_a_plain_edit_that_removes_the_protection_alone_is_an_unprotect(api: Api) -> None:
    protected(api)
    edit = without(infobip(protect=False), "credentials", "applied_digest")

    unprotected = api.admin.put(f"{GW}/{KEY}", json=edit, headers={"If-Match": "1"})

    assert unprotected.status_code == 200, unprotected.text
    assert [entry["action"] for entry in audit_of(api)] == ["create", "unprotect"]


def test_setting_the_protection_may_come_with_other_changes(api: Api) -> None:
    api.admin.post(GW, json=infobip()).raise_for_status()

    updated = api.admin.put(
        f"{GW}/{KEY}", json=infobip(protect=True, status="inactive"), headers={"If-Match": "1"}
    )

    assert updated.status_code == 200, updated.text
    assert (updated.json()["protect"], updated.json()["status"]) == (True, "inactive")
    last = audit_of(api)[-1]
    assert (last["action"], last["fields"]) == ("update", ["status", "protect"])


def test_the_openapi_document_names_protected_on_the_routes_that_answer_it(
    inprocess_api: Api,
) -> None:
    document = inprocess_api.reader.get("/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for methods in document["paths"].values()
        for operation in methods.values()
    }

    for name in ("delete_gateway", "update_gateway", "apply_changeset"):
        conflict = operations[name]["responses"]["409"]
        assert "`protected`" in conflict["description"], name
        assert conflict["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    assert "unprotect" in document["components"]["schemas"]["AuditAction"]["enum"]
