"""The store's finer behaviour: lock lifecycle, renames, provider changes, audit trail and
filters, body limits, on every database (in-process)."""

from __future__ import annotations

import time

import httpx
import sqlalchemy as sa

from tests.support.samples import clickatell, infobip, twilio, without
from tests.support.store_api import Api

GW = "/api/v1/gateways"
CS = "/api/v1/changesets"


def _changeset(api: Api, key: str, *operations: dict[str, object]) -> httpx.Response:
    return api.admin.post(
        CS, json={"operations": list(operations)}, headers={"Idempotency-Key": key}
    )


def test_lock_lifecycle(inprocess_api: Api) -> None:
    api = inprocess_api
    assert api.reader.get("/api/v1/lock").json() == {"held": False}
    lock = api.admin.post(
        "/api/v1/lock",
        json={"holder": "alice", "ttl_seconds": 1, "ci_job": "job-7", "source_commit": "abc"},
    ).json()
    assert (lock["holder"], lock["ci_job"], lock["token_name"]) == ("alice", "job-7", "test-admin")
    assert api.admin.delete("/api/v1/lock/not-the-lock").status_code == 404
    time.sleep(2.1)  # whole seconds: the lock has expired
    assert api.reader.get("/api/v1/lock").json() == {"held": False}
    api.admin.post(GW, json=twilio()).raise_for_status()  # an expired lock blocks nothing
    second = api.admin.post("/api/v1/lock", json={"holder": "bob"})
    assert second.status_code == 201
    assert api.admin.delete(f"/api/v1/lock/{lock['id']}").status_code == 404
    assert api.admin.delete("/api/v1/lock").status_code == 422  # force=true is required
    assert api.admin.delete("/api/v1/lock", params={"force": "true"}).status_code == 204
    assert api.reader.get("/api/v1/lock").json() == {"held": False}
    events = api.reader.get("/api/v1/audit").json()["items"]
    actions = [e["action"] for e in events if e["action"].startswith("lock")]
    assert actions == ["lock_acquire", "lock_acquire", "lock_forced_release"]
    forced = next(e for e in events if e["action"] == "lock_forced_release")
    assert forced["details"]["holder"] == "bob"


def test_a_changeset_renames_updates_and_deletes(inprocess_api: Api) -> None:
    api = inprocess_api
    _changeset(
        api, "c1", {"op": "create", "gateway": infobip()}, {"op": "create", "gateway": clickatell()}
    ).raise_for_status()
    renamed = _changeset(
        api,
        "c2",
        {"op": "rename", "key": "infobip-primary", "new_key": "infobip-eu", "if_version": 1},
        {
            "op": "update",
            "key": "infobip-eu",
            "if_version": 2,
            "gateway": without(infobip(key="infobip-eu", status="inactive"), "credentials"),
        },
        {"op": "delete", "key": "clickatell-main", "if_version": 1},
    )
    assert renamed.status_code == 200, renamed.text
    assert [(r["op"], r["key"], r["version"]) for r in renamed.json()["results"]] == [
        ("rename", "infobip-eu", 2),
        ("update", "infobip-eu", 3),
        ("delete", "clickatell-main", None),
    ]
    assert api.reader.get(f"{GW}/infobip-primary").status_code == 404
    moved = api.reader.get(f"{GW}/infobip-eu").json()
    assert (moved["status"], moved["version"]) == ("inactive", 3)
    # the ciphertexts were re-bound to the new key: they still decrypt
    assert api.admin.get(f"{GW}/infobip-eu/credentials").json() == infobip()["credentials"]
    rename_entry = api.reader.get("/api/v1/audit", params={"action": "rename"}).json()["items"]
    assert rename_entry[0]["details"] == {"from": "infobip-primary", "to": "infobip-eu"}

    api.admin.post(GW, json=twilio()).raise_for_status()
    taken = _changeset(
        api, "c3", {"op": "rename", "key": "twilio-us", "new_key": "infobip-eu", "if_version": 1}
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["details"][0]["operation"] == 0


def test_changeset_shape_errors_point_into_the_operations(inprocess_api: Api) -> None:
    api = inprocess_api
    response = _changeset(
        api, "s1", {"op": "create", "gateway": twilio()}, {"op": "upsert", "key": "x"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["pointer"] == "/operations/1/op"
    missing = _changeset(api, "s2", {"op": "update", "key": "x", "gateway": twilio()})
    assert [d["pointer"] for d in missing.json()["error"]["details"]] == [
        "/operations/0/if_version"
    ]
    bad_key = _changeset(api, "s3", {"op": "rename", "key": "a", "new_key": "A!", "if_version": 1})
    assert bad_key.json()["error"]["details"][0]["pointer"] == "/operations/0/new_key"
    not_found = _changeset(api, "s4", {"op": "delete", "key": "nope", "if_version": 1})
    assert not_found.status_code == 404
    assert (
        api.admin.post(CS, json={"ops": []}, headers={"Idempotency-Key": "s5"}).status_code == 422
    )
    assert api.reader.get(GW).json()["items"] == []


def test_changing_the_provider_replaces_the_credentials(inprocess_api: Api) -> None:
    api = inprocess_api
    api.admin.post(GW, json=clickatell()).raise_for_status()
    moved = infobip(key="clickatell-main", name="Clickatell")
    keep_old = api.admin.put(
        f"{GW}/clickatell-main", json=without(moved, "credentials"), headers={"If-Match": "1"}
    )
    assert keep_old.status_code == 422
    assert sorted(d["pointer"] for d in keep_old.json()["error"]["details"]) == [
        "/credentials/api_key",
        "/credentials/secret_key",
    ]
    changed = api.admin.put(f"{GW}/clickatell-main", json=moved, headers={"If-Match": "1"})
    assert changed.status_code == 200, changed.text
    assert set(changed.json()["credentials"]) == {"api_key", "secret_key"}
    with api.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT username, password, username_fingerprint FROM gateways")
        ).one()
    assert tuple(row) == (None, None, None)


def test_the_audit_trail_names_changed_fields_and_filters(inprocess_api: Api) -> None:
    api = inprocess_api
    api.admin.post(GW, json=infobip(), headers={"X-Gwctl-Actor": "alice"}).raise_for_status()
    edit = infobip(status="inactive", credentials={"api_key": "ib-api-key-0002"})
    api.admin.put(
        f"{GW}/infobip-primary",
        json=edit,
        headers={"If-Match": "1", "X-Gwctl-Actor": "bob", "X-Gwctl-Source-Commit": "c0ffee"},
    ).raise_for_status()
    api.admin.post(GW, json=twilio(), headers={"X-Gwctl-Actor": "alice"}).raise_for_status()
    entries = api.reader.get("/api/v1/audit", params={"key": "infobip-primary"}).json()["items"]
    assert [e["action"] for e in entries] == ["create", "update"]
    update = entries[1]
    assert update["fields"] == ["status", "credentials.api_key"]
    assert (update["actor"], update["token_name"], update["source_commit"]) == (
        "bob",
        "test-admin",
        "c0ffee",
    )
    assert entries[0]["hash"] == update["prev_hash"]
    by_alice = api.reader.get("/api/v1/audit", params={"actor": "alice"}).json()["items"]
    assert [e["key"] for e in by_alice] == ["infobip-primary", "twilio-us"]
    first = api.reader.get("/api/v1/audit", params={"limit": 2}).json()
    rest = api.reader.get("/api/v1/audit", params={"cursor": first["next_cursor"]}).json()
    # 2 token_create, 3 writes, and each token's first use (token_new_address)
    assert [e["seq"] for e in first["items"] + rest["items"]] == [1, 2, 3, 4, 5, 6, 7]
    assert (
        api.reader.get("/api/v1/audit", params={"since": "2000-01-01T00:00:00Z"}).json()["items"][
            0
        ]["seq"]
        == 1
    )
    assert (
        api.reader.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}).json()["items"]
        == []
    )
    assert api.reader.get("/api/v1/audit", params={"cursor": "%%%"}).status_code == 422
    assert api.reader.get(GW, params={"cursor": "enp6"}).json()["items"] == []  # after "zzz"


def test_deleting_the_newest_audit_entries_is_detected(inprocess_api: Api) -> None:
    api = inprocess_api
    api.admin.post(GW, json=infobip()).raise_for_status()
    api.admin.post(GW, json=twilio()).raise_for_status()  # seq 5, after the token's first use
    with api.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq = 5"))
    verdict = api.reader.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_broken"]["seq"] == 5
    with api.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq = 2"))
    assert api.reader.get("/api/v1/audit/verify").json()["first_broken"]["seq"] == 3


def test_request_bodies_are_limited(inprocess_api: Api) -> None:
    api = inprocess_api
    big = infobip(description="x" * (1024 * 1024))
    response = api.admin.post(GW, json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    def chunks() -> object:
        for _ in range(20):
            yield b"x" * 65536

    streamed = api.admin.post(
        GW,
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert api.reader.get(GW).json()["items"] == []
