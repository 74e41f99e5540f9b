"""Backup archives for the tests: a store worth backing up, and an attacker's edits of an
archive (with or without fixing the manifest's hashes, with or without the signing key)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from gwctl.store.archive import MANIFEST, SIGNATURE, SIGNED_PURPOSE, member_name
from gwctl.store.context import Principal, WriteContext
from gwctl.store.service import GatewayStore
from gwctl.store.signing import AuditSigner, signing_key_path
from gwctl.store.validation import parse_logo
from tests.support.canaries import CANARY
from tests.support.samples import clickatell, infobip, png, twilio

ADMIN = WriteContext.for_principal(Principal("admin", "admin"), actor="alice@laptop")


def fill_store(database_url: str, key_file: Path) -> str:
    """Three gateways (one with a logo and the CANARY as a credential), an update, a logo
    change and a read token: entries and checkpoints in the audit log. Returns the token."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        credentials = {"api_key": "ib-api-key-0001", "secret_key": CANARY}
        created = store.create_gateway(infobip(credentials=credentials), ADMIN)
        store.create_gateway(twilio(), ADMIN)
        store.create_gateway(clickatell(), ADMIN)
        logo = parse_logo(png(4, 4), "image/png")
        store.set_logo(created.key, logo, if_version=created.version, context=ADMIN)
        store.update_gateway(
            "twilio-us", {**twilio(), "status": "inactive"}, if_version=1, context=ADMIN
        )
        return store.create_token("auditor", "read")
    finally:
        store.close()


def signer_of(key_file: Path) -> AuditSigner:
    return AuditSigner.load(signing_key_path(key_file), may_create=False)


def edited(
    archive: Path,
    table: str,
    edit: Callable[[list[bytes]], list[bytes]],
    *,
    fix_manifest: bool = True,
    signer: AuditSigner | None = None,
) -> Path:
    """A copy of `archive` whose `table` member went through `edit` (its lines in, lines
    out); with `fix_manifest` the manifest's hash, size and count follow the edit; with a
    `signer` the manifest is signed again (an attacker who holds the signing key)."""
    target = archive.with_name(f"edited-{table}-{archive.name}")
    with zipfile.ZipFile(archive) as source:
        members = {name: source.read(name) for name in source.namelist()}
    name = member_name(table)
    lines = edit(members[name].splitlines(keepends=True))
    members[name] = b"".join(lines)
    if fix_manifest:
        manifest = json.loads(members[MANIFEST])
        for entry in manifest["tables"]:
            if entry["name"] == table:
                entry.update(
                    rows=len(lines),
                    bytes=len(members[name]),
                    sha256=hashlib.sha256(members[name]).hexdigest(),
                )
        members[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    if signer is not None:
        members[SIGNATURE] = signer.sign_document(SIGNED_PURPOSE + members[MANIFEST]).encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for member, data in members.items():
            out.writestr(member, data)
    return target
