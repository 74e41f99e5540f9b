"""A Python client generated from the served /openapi.json (openapi-python-client, without a
single generator warning) drives a real store: create, update of a protected gateway (it
stays protected), the logo upload, a changeset, the lock, the audit log and delete."""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.samples import infobip, png, twilio
from tests.support.store_api import Api


class Generated:
    """The generated package, with `api(name)` for an operation's module."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.models: Any = importlib.import_module(f"{package}.models")
        self.types: Any = importlib.import_module(f"{package}.types")
        self.root: Any = importlib.import_module(package)

    def api(self, operation: str) -> Any:
        return importlib.import_module(f"{self.package}.api.default.{operation}")

    def has(self, operation: str) -> bool:
        try:
            self.api(operation)
        except ModuleNotFoundError:
            return False
        return True


@pytest.fixture
def generated(uvicorn_api: Api, tmp_path: Path) -> Iterator[Generated]:
    """The client generated from the running server's document, importable."""
    base_url = uvicorn_api.extra["server"].base_url
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{base_url}/openapi.json").content)
    package = f"gwctl_store_client_{os.getpid()}_{abs(hash(tmp_path)) % 10**8}"
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(tmp_path / package),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield Generated(package)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith(package)]:
            del sys.modules[name]


def _client(generated: Generated, api: Api) -> Any:
    return generated.root.AuthenticatedClient(
        base_url=api.extra["server"].base_url, token=api.extra["admin_token"]
    )


def _gateway(generated: Generated, name: str, body: dict[str, Any]) -> Any:
    return getattr(generated.models, name).from_dict(body)


def _etag(response: Any) -> str:
    etag: str = response.headers["etag"]
    return etag


def test_the_generated_client_drives_the_store(generated: Generated, uvicorn_api: Api) -> None:
    client = _client(generated, uvicorn_api)
    created = generated.api("create_gateway").sync_detailed(
        client=client, body=_gateway(generated, "InfobipGatewayCreate", infobip(protect=True))
    )
    assert created.status_code == 201, created.content
    assert created.parsed.protect is True

    # an update that says nothing of protect, credentials or logo keeps them
    update = {
        name: value
        for name, value in infobip(status="inactive").items()
        if name not in ("key", "protect", "credentials", "logo")
    }
    updated = generated.api("update_gateway").sync_detailed(
        "infobip-primary",
        client=client,
        body=_gateway(generated, "InfobipGatewayUpdate", update),
        if_match=_etag(created),
    )
    assert updated.status_code == 200, updated.content
    assert updated.parsed.protect is True
    assert updated.parsed.status == "inactive"
    assert set(updated.parsed.credentials.additional_properties) == {"api_key", "secret_key"}

    logo = generated.api("put_logo").sync_detailed(
        "infobip-primary",
        client=client,
        body=generated.types.File(payload=io.BytesIO(png()), mime_type="application/octet-stream"),
        if_match=_etag(updated),
    )
    assert logo.status_code == 200, logo.content
    assert logo.parsed.logo.content_type == "image/png"
    assert logo.parsed.protect is True

    refused = generated.api("delete_gateway").sync_detailed(
        "infobip-primary", client=client, if_match=_etag(logo)
    )
    assert refused.status_code == 409, refused.content  # protected: deleted in two steps
    unprotected = generated.api("update_gateway").sync_detailed(
        "infobip-primary",
        client=client,
        body=_gateway(generated, "InfobipGatewayUpdate", {**update, "protect": False}),
        if_match=_etag(logo),
    )
    assert unprotected.status_code == 200, unprotected.content
    assert unprotected.parsed.protect is False
    assert unprotected.parsed.logo is not None
    deleted = generated.api("delete_gateway").sync_detailed(
        "infobip-primary", client=client, if_match=_etag(unprotected)
    )
    assert deleted.status_code == 204, deleted.content


def test_the_generated_client_applies_a_changeset_under_the_lock(
    generated: Generated, uvicorn_api: Api
) -> None:
    client = _client(generated, uvicorn_api)
    lock = generated.api("acquire_lock").sync_detailed(
        client=client, body=generated.models.LockRequest.from_dict({"holder": "generated"})
    )
    assert lock.status_code == 201, lock.content
    lock_id = lock.parsed.id
    if generated.has("renew_lock"):
        renewed = generated.api("renew_lock").sync_detailed(lock_id, client=client)
        assert renewed.status_code == 200, renewed.content
        assert renewed.parsed.id == lock_id

    changeset = generated.models.ChangesetRequest.from_dict(
        {"operations": [{"op": "create", "gateway": twilio()}]}
    )
    applied = generated.api("apply_changeset").sync_detailed(
        client=client, body=changeset, idempotency_key="generated-1", x_gwctl_lock=lock_id
    )
    assert applied.status_code == 200, applied.content
    assert [(item.op, item.key) for item in applied.parsed.results] == [("create", "twilio-us")]

    released = generated.api("release_lock").sync_detailed(lock_id, client=client)
    assert released.status_code == 204, released.content
    status = generated.api("get_lock").sync(client=client)
    assert status.held is False

    audit = generated.api("list_audit").sync(client=client, key="twilio-us")
    assert [entry.action for entry in audit.items] == ["create"]
    actions = [entry.action for entry in generated.api("list_audit").sync(client=client).items]
    assert {"lock_acquire", "lock_release"} <= {str(action) for action in actions}
