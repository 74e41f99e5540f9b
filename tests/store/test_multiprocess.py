"""Two `gwctl.store.server` processes on one database share the apply lock, and concurrent
writers through both leave one unbroken audit chain with every write present."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.samples import infobip
from tests.support.servers import start_server
from tests.support.store_api import make_tokens

WRITERS = 8
CREATES_PER_WRITER = 4


def _writer(base_url: str, token: str, index: int) -> list[str]:
    """Create, update and batch-create gateways; return the keys it wrote."""
    keys = []
    with httpx.Client(
        base_url=base_url,
        timeout=60,
        headers={"Authorization": f"Bearer {token}", "X-Gwctl-Actor": f"writer-{index}"},
    ) as client:
        for n in range(CREATES_PER_WRITER):
            key = f"w{index}-gw{n}"
            body = infobip(key=key, name=f"Writer {index} gateway {n}")
            client.post("/api/v1/gateways", json=body).raise_for_status()
            client.put(
                f"/api/v1/gateways/{key}",
                json={**body, "status": "inactive"},
                headers={"If-Match": "1"},
            ).raise_for_status()
            keys.append(key)
        batch = [infobip(key=f"w{index}-cs{n}", name=f"Writer {index} batch {n}") for n in range(2)]
        client.post(
            "/api/v1/changesets",
            json={"operations": [{"op": "create", "gateway": g} for g in batch]},
            headers={"Idempotency-Key": f"writer-{index}"},
        ).raise_for_status()
        keys += [g["key"] for g in batch]
    return keys


def test_two_servers_share_the_lock_and_one_audit_chain(
    database_url: str, key_file: Path, tmp_path: Path
) -> None:
    token, _ = make_tokens(database_url, key_file)
    servers = [
        start_server(database_url, key_file, tmp_path / f"server-{n}.log") for n in ("a", "b")
    ]
    auth = {"Authorization": f"Bearer {token}"}
    try:
        a, b = (httpx.Client(base_url=s.base_url, headers=auth, timeout=60) for s in servers)
        lock = a.post("/api/v1/lock", json={"holder": "ci:a", "ttl_seconds": 120})
        assert lock.status_code == 201
        lock_id = lock.json()["id"]
        refused = b.post("/api/v1/lock", json={"holder": "ci:b"})
        assert refused.status_code == 409
        assert refused.json()["error"]["details"][0]["id"] == lock_id
        assert b.post("/api/v1/gateways", json=infobip()).status_code == 409
        with_lock = b.post("/api/v1/gateways", json=infobip(), headers={"X-Gwctl-Lock": lock_id})
        assert with_lock.status_code == 201
        assert b.delete(f"/api/v1/lock/{lock_id}").status_code == 204
        assert a.get("/api/v1/lock").json() == {"held": False}

        with ThreadPoolExecutor(WRITERS) as pool:
            futures = [
                pool.submit(_writer, servers[i % 2].base_url, token, i) for i in range(WRITERS)
            ]
            written = [key for future in futures for key in future.result()]

        listed = {
            g["key"] for g in a.get("/api/v1/gateways", params={"limit": 1000}).json()["items"]
        }
        assert listed == {*written, "infobip-primary"}
        per_writer = CREATES_PER_WRITER * 2 + 2  # create + update each, then 2 in a changeset
        # tokens, the admin token's first use from 127.0.0.1 (once, whichever server saw it
        # first), lock events, locked create
        expected_entries = 2 + 1 + 2 + 1 + WRITERS * per_writer
        for client in (a, b):
            verdict = client.get("/api/v1/audit/verify").json()
            assert (verdict["ok"], verdict["entries"]) == (True, expected_entries)
            assert verdict["checkpoint_seq"] == expected_entries  # both sign with the one key
        updates = b.get("/api/v1/audit", params={"action": "update", "limit": 1000}).json()
        assert len(updates["items"]) == WRITERS * CREATES_PER_WRITER
        a.close()
        b.close()
    finally:
        for server in servers:
            server.stop()
