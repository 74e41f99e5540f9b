"""`gwctl import`: adopt live accounts into git, secrets encrypted by sops on the way.

Credential values come from the store's audited admin endpoint and are piped to sops;
they never touch the disk in clear. Once the files are written the account is marked
managed by gwctl with the new secret file's digest, so the next plan shows no changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gwctl.config.account_file import account_file_text, ensure_editor_schemas
from gwctl.config.loader import GATEWAYS_DIR, SECRET_SUFFIX
from gwctl.config.secrets import encrypt_to_file
from gwctl.core.model import PLAIN_FIELDS
from gwctl.errors import GwctlError
from gwctl.reconcile.plan import MANAGED
from gwctl.remote.client import StoreClient

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


class ImportRefused(GwctlError):
    """An account cannot be imported as asked; the message says why."""


@dataclass(frozen=True)
class Imported:
    key: str
    files: tuple[str, ...]


def select(
    live: Sequence[Mapping[str, Any]], keys: Sequence[str], all_unmanaged: bool
) -> list[Mapping[str, Any]]:
    by_key = {gateway["key"]: gateway for gateway in live}
    if all_unmanaged:
        return [g for g in live if g.get("managed_by") != MANAGED]
    missing = sorted(set(keys) - set(by_key))
    if missing:
        raise ImportRefused(f"not in the store: {', '.join(missing)}")
    return [by_key[key] for key in keys]


def import_gateway(root: Path, client: StoreClient, gateway: Mapping[str, Any]) -> Imported:
    key = gateway["key"]
    directory = root / GATEWAYS_DIR
    account_path = directory / f"{key}.yaml"
    secret_path = directory / f"{key}{SECRET_SUFFIX}"
    if account_path.exists() or secret_path.exists():
        raise ImportRefused(
            f"{key}: {GATEWAYS_DIR}/{key}.yaml already exists; the account is already in git"
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = ensure_editor_schemas(root)
    logo_path = _write_logo(root, client, gateway)
    if logo_path:
        written.append(logo_path)
    encrypt_to_file(client.read_credentials(key), secret_path, root)
    written.append(f"{GATEWAYS_DIR}/{secret_path.name}")
    account_path.write_text(_account_yaml(gateway, logo_path), encoding="utf-8")
    written.append(f"{GATEWAYS_DIR}/{account_path.name}")
    digest = "sha256:" + hashlib.sha256(secret_path.read_bytes()).hexdigest()
    client.update_gateway(key, _adoption_body(gateway, digest), int(gateway["version"]))
    return Imported(key, tuple(written))


def _write_logo(root: Path, client: StoreClient, gateway: Mapping[str, Any]) -> str | None:
    logo = gateway.get("logo")
    if not logo:
        return None
    data = client.http.get(logo["url"]).raise_for_status().content
    relative = f"logos/{gateway['key']}.{_EXTENSIONS.get(logo['content_type'], 'png')}"
    target = root / GATEWAYS_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def _account_yaml(gateway: Mapping[str, Any], logo: str | None) -> str:
    fields: dict[str, Any] = {}
    for name in PLAIN_FIELDS:
        value = gateway.get(name)
        if value not in (None, "", False):
            fields[name] = value
    if logo:
        fields["logo"] = logo
    return account_file_text(
        gateway["provider"],
        fields,
        f"Imported from the store by gwctl import (was version {gateway['version']}).",
    )


def _adoption_body(gateway: Mapping[str, Any], digest: str) -> dict[str, Any]:
    body = {name: gateway.get(name) for name in PLAIN_FIELDS}
    return {
        "key": gateway["key"],
        "provider": gateway["provider"],
        **body,
        "credentials": {},
        "managed_by": MANAGED,
        "applied_digest": digest,
    }
