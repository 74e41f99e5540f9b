"""The apply lock over HTTP: Idempotency-Key on taking it, renewal, and `lock_lost`."""

from __future__ import annotations

from tests.support.samples import twilio
from tests.support.store_api import Api

LOCK = "/api/v1/lock"
BODY = {"holder": "ci:job-1", "reason": "apply", "ttl_seconds": 30}


def test_taking_the_lock_again_with_the_same_idempotency_key_answers_the_same_lock(
    api: Api,
) -> None:
    first = api.admin.post(LOCK, json=BODY, headers={"Idempotency-Key": "retry-me"})
    again = api.admin.post(LOCK, json=BODY, headers={"Idempotency-Key": "retry-me"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert first.json()["lease_seconds"] == 30


def test_taking_the_lock_with_a_new_idempotency_key_answers_lock_held(api: Api) -> None:
    api.admin.post(LOCK, json=BODY, headers={"Idempotency-Key": "one"}).raise_for_status()
    other = api.admin.post(LOCK, json=BODY, headers={"Idempotency-Key": "two"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "lock_held"


def test_renewing_answers_the_lock_with_a_later_expiry(api: Api) -> None:
    lock = api.admin.post(LOCK, json=BODY).json()
    renewed = api.admin.post(f"{LOCK}/{lock['id']}/renew")
    assert renewed.status_code == 200
    assert renewed.json()["id"] == lock["id"]
    assert renewed.json()["expires_at"] >= lock["expires_at"]


def test_renewing_a_lock_that_is_gone_answers_404(api: Api) -> None:
    lock = api.admin.post(LOCK, json=BODY).json()
    api.admin.delete(LOCK, params={"force": "true"}).raise_for_status()
    gone = api.admin.post(f"{LOCK}/{lock['id']}/renew")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_a_read_token_cannot_renew_the_lock(api: Api) -> None:
    lock = api.admin.post(LOCK, json=BODY).json()
    assert api.reader.post(f"{LOCK}/{lock['id']}/renew").status_code == 403


def test_a_write_presenting_a_released_lock_answers_lock_lost(api: Api) -> None:
    lock = api.admin.post(LOCK, json=BODY).json()
    api.admin.delete(f"{LOCK}/{lock['id']}").raise_for_status()
    late = api.admin.post("/api/v1/gateways", json=twilio(), headers={"X-Gwctl-Lock": lock["id"]})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "lock_lost"
    assert api.reader.get("/api/v1/gateways").json()["items"] == []


def test_a_forced_release_takes_force_true_and_nothing_else(api: Api) -> None:
    api.admin.post(LOCK, json=BODY).raise_for_status()
    for refused in ({}, {"force": "false"}, {"force": "1"}):
        answer = api.admin.delete(LOCK, params=refused)
        assert answer.status_code == 422
        assert answer.json()["error"]["details"][0]["parameter"] == "force"
    assert api.reader.get(LOCK).json()["held"]
    assert api.admin.delete(LOCK, params={"force": "true"}).status_code == 204
