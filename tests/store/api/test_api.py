"""Acceptance of the store API (issue 3), in-process and through a real uvicorn server,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support.samples import JPEG, clickatell, infobip, logo_field, png, twilio, without
from tests.support.store_api import Api

GW = "/api/v1/gateways"


def test_crud_round_trip(api: Api) -> None:
    created = api.admin.post(GW, json=infobip(), headers={"X-Gwctl-Actor": "alice@laptop"})
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"{GW}/infobip-primary"
    gateway = created.json()
    assert gateway["version"] == 1
    assert gateway["company_name"] == "Infobip"
    assert gateway["created_by"] == gateway["updated_by"] == "alice@laptop"
    assert gateway["credentials"]["api_key"]["mask"] == "••••0001"
    assert gateway["credentials"]["api_key"]["fingerprint"] is None  # only gwctl computes one
    assert "value" not in gateway["credentials"]["api_key"]
    assert gateway["logo"] is None
    assert gateway["applied_digest"] == "sha256:" + "ab" * 32

    tw = api.admin.post(GW, json=twilio()).json()
    assert tw["credentials"]["account_sid"]["value"] == tw["credentials"]["account_sid"]["value"]
    assert tw["credentials"]["account_sid"]["column"] == "api_key"
    assert tw["credentials"]["auth_token"] == {
        "column": "secret_key",
        "secret": True,
        "mask": "••••3210",
        "fingerprint": None,
    }
    assert tw["managed_by"] == "manual"
    api.admin.post(GW, json=clickatell()).raise_for_status()

    fetched = api.reader.get(f"{GW}/infobip-primary")
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == gateway

    page = api.reader.get(GW, params={"limit": 2}).json()
    assert [g["key"] for g in page["items"]] == ["clickatell-main", "infobip-primary"]
    rest = api.reader.get(GW, params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [g["key"] for g in rest["items"]] == ["twilio-us"]
    assert rest["next_cursor"] is None
    filtered = api.reader.get(GW, params={"provider": "twilio", "status": "active"}).json()
    assert [g["key"] for g in filtered["items"]] == ["twilio-us"]

    # a plain edit: credentials left out keep their values, applied_digest is reset
    edit = without(infobip(status="inactive", name="Infobip One"), "credentials", "applied_digest")
    updated = api.admin.put(f"{GW}/infobip-primary", json=edit, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"'
    body = updated.json()
    assert (body["version"], body["status"], body["name"]) == (2, "inactive", "Infobip One")
    assert body["credentials"] == gateway["credentials"]
    assert body["applied_digest"] is None
    assert body["managed_by"] == "gwctl"

    deleted = api.admin.delete(f"{GW}/infobip-primary", headers={"If-Match": "2"})
    assert deleted.status_code == 204
    missing = api.reader.get(f"{GW}/infobip-primary")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_tokens_and_roles(api: Api) -> None:
    assert api.anon.get("/healthz").json() == {"status": "ok"}
    refused = api.anon.get(GW)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["error"]["code"] == "unauthorized"
    bad = api.anon.get(GW, headers={"Authorization": "Bearer gwst_not-a-real-token"})
    assert bad.status_code == 401

    api.admin.post(GW, json=infobip()).raise_for_status()
    assert api.reader.get(GW).status_code == 200
    assert api.reader.get("/api/v1/audit").status_code == 200
    writes = [
        api.reader.post(GW, json=twilio()),
        api.reader.put(f"{GW}/infobip-primary", json=infobip(), headers={"If-Match": "1"}),
        api.reader.delete(f"{GW}/infobip-primary", headers={"If-Match": "1"}),
        api.reader.post(
            "/api/v1/changesets", json={"operations": []}, headers={"Idempotency-Key": "r1"}
        ),
        api.reader.post("/api/v1/lock", json={"holder": "auditor"}),
        api.reader.get(f"{GW}/infobip-primary/credentials"),
    ]
    for response in writes:
        assert response.status_code == 403, response.request.url
        assert response.json()["error"]["code"] == "forbidden"
    assert api.admin.get(f"{GW}/infobip-primary").json()["version"] == 1


def test_if_match_is_required_and_checked(api: Api) -> None:
    api.admin.post(GW, json=infobip()).raise_for_status()
    without_version = api.admin.put(f"{GW}/infobip-primary", json=infobip())
    assert without_version.status_code == 428
    assert without_version.json()["error"]["code"] == "precondition_required"
    api.admin.put(
        f"{GW}/infobip-primary", json=infobip(status="inactive"), headers={"If-Match": "1"}
    ).raise_for_status()
    stale = api.admin.put(f"{GW}/infobip-primary", json=infobip(), headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "version_mismatch"
    assert error["details"][0]["current_version"] == 2
    stale_delete = api.admin.delete(f"{GW}/infobip-primary", headers={"If-Match": "1"})
    assert stale_delete.status_code == 412


def test_validation_errors_carry_pointers(api: Api) -> None:
    batch = api.admin.post(GW, json=twilio(sending_pattern="batch"))
    assert batch.status_code == 422
    error = batch.json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["pointer"] for d in error["details"]] == ["/sending_pattern"]
    assert "loop" in error["details"][0]["message"]

    unknown = api.admin.post(GW, json=infobip(colour="blue"))
    assert unknown.status_code == 422
    assert [d["pointer"] for d in unknown.json()["error"]["details"]] == ["/colour"]

    several = api.admin.post(
        GW,
        json=infobip(
            fallback_sender_id="THIS IS TOO LONG",
            signup_link="ftp://x",
            credentials={"api_key": "short"},
        ),
    )
    assert sorted(d["pointer"] for d in several.json()["error"]["details"]) == [
        "/credentials/api_key",
        "/credentials/secret_key",
        "/fallback_sender_id",
        "/signup_link",
    ]
    assert api.admin.post(GW, json=infobip(key="Not A Key")).status_code == 422
    assert api.admin.post(GW, json=[1, 2]).status_code == 422
    not_json = api.admin.post(GW, content=b"{nope", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422
    assert not_json.json()["error"]["code"] == "validation_failed"
    assert api.reader.get(GW, params={"limit": 0}).status_code == 422
    assert api.reader.get(GW).json()["items"] == []


def test_conflicts_on_names_keys_and_the_lock(api: Api) -> None:
    api.admin.post(GW, json=infobip()).raise_for_status()
    same_name = api.admin.post(GW, json=infobip(key="infobip-two", name="  infobip   i "))
    assert same_name.status_code == 409
    assert same_name.json()["error"]["code"] == "conflict"
    assert same_name.json()["error"]["details"][0]["pointer"] == "/name"
    same_key = api.admin.post(GW, json=infobip(name="Infobip II"))
    assert same_key.status_code == 409
    assert same_key.json()["error"]["details"][0]["pointer"] == "/key"

    lock = api.admin.post(
        "/api/v1/lock", json={"holder": "ci:job-1", "reason": "apply", "ttl_seconds": 300}
    )
    assert lock.status_code == 201
    lock_id = lock.json()["id"]
    again = api.admin.post("/api/v1/lock", json={"holder": "bob@laptop"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "lock_held"
    assert again.json()["error"]["details"][0]["holder"] == "ci:job-1"
    blocked = api.admin.post(GW, json=twilio())
    assert blocked.status_code == 409
    assert blocked.json()["error"]["details"][0]["id"] == lock_id
    allowed = api.admin.post(GW, json=twilio(), headers={"X-Gwctl-Lock": lock_id})
    assert allowed.status_code == 201
    assert api.reader.get("/api/v1/lock").json()["lock"]["id"] == lock_id
    assert api.admin.delete(f"/api/v1/lock/{lock_id}").status_code == 204
    assert api.reader.get("/api/v1/lock").json() == {"held": False}


def test_a_failing_changeset_changes_nothing(api: Api) -> None:
    api.admin.post(GW, json=infobip()).raise_for_status()
    before = api.dump()
    response = api.admin.post(
        "/api/v1/changesets",
        headers={"Idempotency-Key": "8e0c0b1e-0000-4000-8000-000000000001"},
        json={
            "operations": [
                {"op": "create", "gateway": clickatell()},
                {
                    "op": "update",
                    "key": "infobip-primary",
                    "if_version": 1,
                    "gateway": infobip(status="inactive"),
                },
                {"op": "create", "gateway": twilio(sending_pattern="batch")},
                {"op": "delete", "key": "infobip-primary", "if_version": 2},
            ]
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"] == [
        {
            "pointer": "/operations/2/gateway/sending_pattern",
            "message": error["details"][0]["message"],
            "operation": 2,
        }
    ]
    assert api.dump() == before

    stale = api.admin.post(
        "/api/v1/changesets",
        headers={"Idempotency-Key": "k-stale"},
        json={
            "operations": [
                {"op": "create", "gateway": twilio()},
                {"op": "delete", "key": "infobip-primary", "if_version": 7},
            ]
        },
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["details"][0]["operation"] == 1
    assert api.dump() == before


def test_the_same_idempotency_key_applies_once(api: Api) -> None:
    body = {
        "operations": [
            {"op": "create", "gateway": infobip()},
            {"op": "create", "gateway": twilio()},
        ]
    }
    headers = {
        "Idempotency-Key": "5f1d7c3a-1111-4222-8333-444455556666",
        "X-Gwctl-Plan-Id": "plan-1",
        "X-Gwctl-Source-Commit": "abc123",
    }
    first = api.admin.post("/api/v1/changesets", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert [(r["op"], r["key"], r["version"]) for r in first.json()["results"]] == [
        ("create", "infobip-primary", 1),
        ("create", "twilio-us", 1),
    ]
    second = api.admin.post("/api/v1/changesets", json=body, headers=headers)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["idempotency-replayed"] == "true"
    assert len(api.reader.get(GW).json()["items"]) == 2
    creates = api.reader.get("/api/v1/audit", params={"action": "create"}).json()["items"]
    assert len(creates) == 2
    assert {e["changeset_id"] for e in creates} == {first.json()["changeset_id"]}
    assert {(e["plan_id"], e["source_commit"]) for e in creates} == {("plan-1", "abc123")}

    other = api.admin.post("/api/v1/changesets", json={"operations": []}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    missing = api.admin.post("/api/v1/changesets", json=body)
    assert missing.status_code == 422


def test_a_tampered_audit_row_is_detected(api: Api) -> None:
    for body in (infobip(), twilio(), clickatell()):
        api.admin.post(GW, json=body).raise_for_status()
    assert api.reader.get("/api/v1/audit/verify").json() == {
        "ok": True,
        "entries": 7,
        "first_broken": None,
        "problems": [],
        "checkpoint_seq": 7,
    }  # 2 token_create, 2 token_new_address (each token's first use), 3 create
    with api.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4"))
    verdict = api.reader.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_broken"]["seq"] == 4
    assert "changed" in verdict["first_broken"]["reason"]


def test_credentials_in_clear_are_admin_only_and_audited(api: Api) -> None:
    api.admin.post(GW, json=twilio()).raise_for_status()
    clear = api.admin.get(f"{GW}/twilio-us/credentials", headers={"X-Gwctl-Actor": "import"})
    assert clear.status_code == 200
    assert clear.json() == twilio()["credentials"]
    refused = api.reader.get(f"{GW}/twilio-us/credentials")
    assert refused.status_code == 403
    assert (
        "cannot read credentials in clear (admin tokens only" in refused.json()["error"]["message"]
    )
    reads = api.reader.get("/api/v1/audit", params={"action": "credentials_read"}).json()
    assert [(e["actor"], e["key"], e["fields"]) for e in reads["items"]] == [
        ("import", "twilio-us", ["credentials.account_sid", "credentials.auth_token"])
    ]


def test_logo_upload_is_checked_and_served_safely(api: Api) -> None:
    image = png()
    created = api.admin.post(GW, json=infobip(logo=logo_field(image))).json()
    assert created["logo"]["content_type"] == "image/png"
    assert created["logo"]["size"] == len(image)
    served = api.reader.get(created["logo"]["url"])
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"

    url = f"{GW}/infobip-primary/logo"
    jpeg = api.admin.put(url, content=JPEG, headers={"Content-Type": "image/jpeg", "If-Match": "1"})
    assert jpeg.status_code == 200, jpeg.text
    assert jpeg.json()["logo"]["content_type"] == "image/jpeg"
    assert api.reader.get(url).headers["content-type"] == "image/jpeg"
    html = api.admin.put(
        url,
        content=b"<html><script>alert(1)</script>",
        headers={"Content-Type": "image/png", "If-Match": "2"},
    )
    assert html.status_code == 422
    mislabeled = api.admin.put(
        url, content=image, headers={"Content-Type": "image/jpeg", "If-Match": "2"}
    )
    assert mislabeled.status_code == 422
    huge = png(padding=300 * 1024)
    assert (
        api.admin.put(
            url, content=huge, headers={"Content-Type": "image/png", "If-Match": "2"}
        ).status_code
        == 413
    )
    too_big = api.admin.post(GW, json=twilio(logo=logo_field(huge)))
    assert too_big.status_code == 422
    assert too_big.json()["error"]["details"][0]["pointer"] == "/logo/data"
    fake = api.admin.post(GW, json=twilio(logo=logo_field(b"GIF89a....")))
    assert fake.status_code == 422
    removed = api.admin.put(
        f"{GW}/infobip-primary", json=infobip(logo=None), headers={"If-Match": "2"}
    )
    assert removed.json()["logo"] is None
    assert api.reader.get(url).status_code == 404
