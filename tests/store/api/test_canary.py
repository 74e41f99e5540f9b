"""A canary credential value never leaves the store: not in any API response (body or headers)
except the admin-only credentials endpoint, not in the server's log, not in the database
file's bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from gwctl.store.db import sqlite_path
from tests.support.canaries import CANARY, CANARY_HEX
from tests.support.samples import clickatell, infobip, logo_field, png, twilio
from tests.support.store_api import Api

GW = "/api/v1/gateways"
TWILIO_CANARY = CANARY_HEX  # 32 hex characters: a valid Auth Token


def _leaks(response: httpx.Response) -> list[str]:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return [
        needle for needle in (CANARY, TWILIO_CANARY) if needle in response.text or needle in headers
    ]


def _exercise(api: Api) -> list[httpx.Response]:
    """Every endpoint, with canary values written as credentials and in refused writes."""
    responses = [
        api.admin.post(
            GW,
            json=infobip(
                credentials={"api_key": CANARY, "secret_key": CANARY + "-s"}, logo=logo_field(png())
            ),
        ),
        api.admin.post(GW, json=clickatell(credentials={"username": "ops", "password": CANARY})),
        api.admin.post(
            GW,
            json=twilio(
                credentials={
                    "account_sid": twilio()["credentials"]["account_sid"],
                    "auth_token": TWILIO_CANARY,
                }
            ),
        ),
        # refused writes that carry the canary: errors must not echo it
        api.admin.post(
            GW,
            json=twilio(
                key="tw2", name="T2", credentials={"account_sid": CANARY, "auth_token": CANARY}
            ),
        ),
        api.admin.post(
            GW,
            json=infobip(key="ib2", name="I2", credentials={"api_key": CANARY}, extra_field=CANARY),
        ),
        api.admin.post(
            GW,
            json=infobip(
                key="ib3", name="Infobip I", credentials={"api_key": CANARY, "secret_key": CANARY}
            ),
        ),
        api.admin.put(
            f"{GW}/infobip-primary",
            json=infobip(credentials={"api_key": CANARY + " with spaces"}),
            headers={"If-Match": "1"},
        ),
        api.admin.put(
            f"{GW}/infobip-primary",
            json=infobip(credentials={"api_key": CANARY}),
            headers={"If-Match": "9"},
        ),
        api.admin.post(
            "/api/v1/changesets",
            headers={"Idempotency-Key": "canary-1"},
            json={
                "operations": [
                    {
                        "op": "update",
                        "key": "clickatell-main",
                        "if_version": 1,
                        "gateway": clickatell(credentials={"password": CANARY + "-2"}),
                    },
                    {
                        "op": "create",
                        "gateway": twilio(
                            key="x",
                            name="x",
                            sending_pattern="batch",
                            credentials={"auth_token": CANARY},
                        ),
                    },
                ]
            },
        ),
        api.admin.post(
            "/api/v1/changesets",
            headers={"Idempotency-Key": "canary-2"},
            json={
                "operations": [
                    {
                        "op": "update",
                        "key": "clickatell-main",
                        "if_version": 1,
                        "gateway": clickatell(credentials={"password": CANARY + "-3"}),
                    }
                ]
            },
        ),
        api.admin.post(
            "/api/v1/changesets",
            headers={"Idempotency-Key": "canary-2"},
            json={
                "operations": [
                    {
                        "op": "update",
                        "key": "clickatell-main",
                        "if_version": 1,
                        "gateway": clickatell(credentials={"password": CANARY + "-3"}),
                    }
                ]
            },
        ),
        api.admin.post(
            GW,
            content=b'{"credentials": {"api_key": "' + CANARY.encode() + b'"',
            headers={"Content-Type": "application/json"},
        ),
    ]
    for client in (api.admin, api.reader, api.anon):
        for path in (
            GW,
            f"{GW}/infobip-primary",
            f"{GW}/twilio-us",
            f"{GW}/clickatell-main",
            f"{GW}/infobip-primary/logo",
            "/api/v1/audit",
            "/api/v1/audit/verify",
            "/api/v1/providers",
            "/api/v1/lock",
            "/openapi.json",
            "/healthz",
            f"{GW}/twilio-us/credentials",
        ):
            responses.append(client.get(path))
    responses.append(api.admin.delete(f"{GW}/twilio-us", headers={"If-Match": "1"}))
    return responses


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_canary_never_leaves_the_store(uvicorn_api: Api) -> None:
    api = uvicorn_api
    responses = _exercise(api)
    assert any(r.status_code == 201 for r in responses)
    for response in responses:
        if response.request.url.path.endswith("/credentials") and response.status_code == 200:
            continue  # the one admin-only place that returns credentials in clear
        assert _leaks(response) == [], (response.request.method, response.request.url)

    # the credentials endpoint itself does return it, to admins only
    clear = api.admin.get(f"{GW}/clickatell-main/credentials").json()
    assert clear["password"].startswith(CANARY)

    server = api.extra["server"]
    server.stop()  # flush and close the log, checkpoint the WAL
    log = server.log()
    assert "GET /api/v1/gateways" in log  # the access log was captured
    assert CANARY not in log
    assert TWILIO_CANARY not in log

    database = sqlite_path(api.database_url)
    assert database is not None
    api.engine.dispose()
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    for path in files:
        data = path.read_bytes()
        for needle in (CANARY, TWILIO_CANARY):
            assert needle.encode() not in data, path
            assert needle.encode("utf-16-le") not in data, path
            assert base64.b64encode(needle.encode()) not in data, path


def test_the_canary_is_absent_from_responses_in_process(inprocess_api: Api) -> None:
    for response in _exercise(inprocess_api):
        if response.request.url.path.endswith("/credentials") and response.status_code == 200:
            continue
        assert _leaks(response) == [], (response.request.method, response.request.url)


def test_the_canary_file_checks_would_see_a_leak(tmp_path: Path) -> None:
    """The byte check above is meaningful: a plain value written to SQLite is found."""
    import sqlite3

    path = tmp_path / "probe.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (v TEXT)")
        connection.execute("INSERT INTO t VALUES (?)", (CANARY,))
    assert CANARY.encode() in path.read_bytes()
