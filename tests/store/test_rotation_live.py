"""A running server keeps serving across a rotation done by another process: it reloads the
key file when a value names a key it does not hold, and writes under the new key at once."""

from __future__ import annotations

import base64
from pathlib import Path

from gwctl.store.crypto import ciphertext_key_id
from gwctl.store.key_files import load_keyring
from gwctl.store.server import rotate_store_key
from tests.support.samples import infobip, twilio
from tests.support.store_api import Api
from tests.support.store_keys import stored

GATEWAY = "/api/v1/gateways/infobip-primary"


def test_a_running_server_serves_credentials_across_a_rotation_by_another_process(
    uvicorn_api: Api, key_file: Path
) -> None:
    admin = uvicorn_api.admin
    assert admin.post("/api/v1/gateways", json=infobip()).status_code == 201
    shown = admin.get(GATEWAY).json()
    clear = admin.get(f"{GATEWAY}/credentials").json()
    (old,) = load_keyring(key_file).keys

    rotation = rotate_store_key(uvicorn_api.database_url, key_file=key_file)

    assert admin.get(GATEWAY).json() == shown  # masks, fingerprints, version
    assert admin.get(f"{GATEWAY}/credentials").json() == clear
    assert admin.post("/api/v1/gateways", json=twilio()).status_code == 201
    blobs = stored(uvicorn_api.database_url)
    assert {ciphertext_key_id(blob) for blob in blobs.values()} == {rotation.new_key_id}
    (new,) = load_keyring(key_file).keys
    assert uvicorn_api.log_path is not None
    log = uvicorn_api.log_path.read_text(encoding="utf-8")
    for key in (old, new):
        assert base64.b64encode(key).decode() not in log
