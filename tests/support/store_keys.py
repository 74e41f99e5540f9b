"""A store with credentials to rotate: seeded gateways, and the ciphertexts its database
holds (read around the store, as someone with the database would)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from gwctl.core.providers import STORE_COLUMNS
from gwctl.store.context import WriteContext
from gwctl.store.crypto import CredentialCipher, KeyRing
from gwctl.store.db import GatewayRow
from gwctl.store.service import GatewayStore
from tests.support.samples import clickatell, infobip, twilio

CONTEXT = WriteContext(token_name="web", actor="alice")


def seed(database_url: str, key_file: Path) -> dict[tuple[str, str], str]:
    """Three gateways, one per provider; their credentials in clear by (key, column)."""
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        plain: dict[tuple[str, str], str] = {}
        for body in (infobip(), twilio(), clickatell()):
            store.create_gateway(body, CONTEXT)
            for field in store.providers[body["provider"]].credentials:
                plain[(body["key"], field.column)] = body["credentials"][field.name]
        return plain
    finally:
        store.close()


def stored(database_url: str) -> dict[tuple[str, str], bytes]:
    """Every credential ciphertext in the database, by (gateway key, column)."""
    engine = sa.create_engine(database_url)
    table = GatewayRow.__table__
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(table.c.key, *(table.c[c] for c in STORE_COLUMNS)))
            return {
                (row.key, column): bytes(getattr(row, column))
                for row in rows
                for column in STORE_COLUMNS
                if getattr(row, column) is not None
            }
    finally:
        engine.dispose()


def decrypt_all(
    keys: bytes | KeyRing, blobs: dict[tuple[str, str], bytes]
) -> dict[tuple[str, str], str]:
    """Every value of `blobs` decrypted with `keys` (DecryptionError if one does not)."""
    cipher = CredentialCipher(keys)
    return {
        (gateway, column): cipher.decrypt(blob, gateway_key=gateway, column=column)
        for (gateway, column), blob in blobs.items()
    }
