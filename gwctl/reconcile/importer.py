"""`gwctl import`: adopt live accounts into git, secrets encrypted by sops on the way.

Credential values come from the store's audited admin endpoint and are piped to sops;
they never touch the disk in clear. Once the files are written the account is marked
managed by gwctl with the new secret file's digest, so the next plan shows no changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from gwctl.config.account_file import account_file_text, ensure_editor_schemas
from gwctl.config.fingerprint_key import load_fingerprint_key
from gwctl.config.layout import GATEWAYS_DIR
from gwctl.config.loader import SECRET_SUFFIX
from gwctl.config.secrets import encrypt_to_file
from gwctl.config.settings import Settings
from gwctl.core.fingerprints import FingerprintKey
from gwctl.core.model import PLAIN_FIELDS
from gwctl.core.views import Gateway, GatewayWrite
from gwctl.errors import GwctlError
from gwctl.reconcile.plan import MANAGED
from gwctl.reconcile.workflow import StoreOpener
from gwctl.remote.client import StoreClient
from gwctl.remote.session import open_store

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


class ImportRefused(GwctlError):
    """An account cannot be imported as asked; the message says why."""


@dataclass(frozen=True)
class Imported:
    key: str
    files: tuple[str, ...]


def import_accounts(
    settings: Settings,
    keys: Sequence[str],
    all_unmanaged: bool,
    report: Callable[[Imported], None],
    *,
    opener: StoreOpener = open_store,
) -> None:
    """`gwctl import`: adopt the live accounts named (or every unmanaged one), reporting
    each as it is written: if one fails, those before it stay imported."""
    with opener(settings, None) as client:
        chosen = select(client.list_gateways(), keys, all_unmanaged)
        fingerprint_key = load_fingerprint_key(settings.root) if chosen else None
        for gateway in chosen:
            report(import_gateway(settings.root, client, gateway, fingerprint_key))


def select(live: Sequence[Gateway], keys: Sequence[str], all_unmanaged: bool) -> list[Gateway]:
    by_key = {gateway["key"]: gateway for gateway in live}
    if all_unmanaged:
        return [g for g in live if g.get("managed_by") != MANAGED]
    missing = sorted(set(keys) - set(by_key))
    if missing:
        raise ImportRefused(f"not in the store: {', '.join(missing)}")
    return [by_key[key] for key in keys]


def import_gateway(
    root: Path,
    client: StoreClient,
    gateway: Gateway,
    fingerprint_key: FingerprintKey | None = None,
) -> Imported:
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
    credentials = client.read_credentials(key)
    encrypt_to_file(credentials, secret_path, root)
    written.append(f"{GATEWAYS_DIR}/{secret_path.name}")
    account_path.write_text(_account_yaml(gateway, logo_path), encoding="utf-8")
    written.append(f"{GATEWAYS_DIR}/{account_path.name}")
    body = _adoption_body(gateway, "sha256:" + hashlib.sha256(secret_path.read_bytes()).hexdigest())
    if fingerprint_key is not None:  # what apply would record: the next plan has nothing to do
        body["credential_fingerprints"] = {
            name: fingerprint_key.fingerprint(name, value) for name, value in credentials.items()
        }
    client.update_gateway(key, body, int(gateway["version"]))
    return Imported(key, tuple(written))


def _write_logo(root: Path, client: StoreClient, gateway: Gateway) -> str | None:
    logo = gateway.get("logo")
    if not logo:
        return None
    data = client.http.get(logo["url"]).raise_for_status().content
    relative = f"logos/{gateway['key']}.{_EXTENSIONS.get(logo['content_type'], 'png')}"
    target = root / GATEWAYS_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def _account_yaml(gateway: Gateway, logo: str | None) -> str:
    by_name: Mapping[str, Any] = gateway
    fields: dict[str, Any] = {}
    for name in PLAIN_FIELDS:
        value = by_name.get(name)
        if value not in (None, "", False):
            fields[name] = value
    if logo:
        fields["logo"] = logo
    return account_file_text(
        gateway["provider"],
        fields,
        f"Imported from the store by gwctl import (was version {gateway['version']}).",
    )


def _adoption_body(gateway: Gateway, digest: str) -> GatewayWrite:
    by_name: Mapping[str, Any] = gateway
    body: dict[str, Any] = {
        "key": gateway["key"],
        "provider": gateway["provider"],
        **{name: by_name.get(name) for name in PLAIN_FIELDS},
        "credentials": {},
        "managed_by": MANAGED,
        "applied_digest": digest,
    }
    return cast(GatewayWrite, body)  # the plain fields are GatewayWrite's, by name
