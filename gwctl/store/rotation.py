"""Credential key rotation: every ciphertext of the store re-encrypted under a new key.

`rotate` runs in three steps, each safe to be killed at any moment:

1. Inside ONE write transaction (it holds the store-wide write lock, so no other write and
   no other rotation runs meanwhile): a new key is added to the key file as its first,
   pending key (the file then holds new and old: it decrypts whatever the database holds);
   every credential value of every gateway and the key check value are re-encrypted under
   it; a signed audit entry `key_rotate` names the old and new key ids and the count.
2. Commit: the database is all old before, all new after.
3. `finish`: the key file is rewritten holding the new key only. The next start of the store
   (or the next `gwctl store rotate-key`) does this step if a crash came between 2 and 3;
   a crash before 2 leaves the pending key, which the next rotate-key uses.

Running servers follow: a ciphertext or check value naming a key they do not hold makes them
reload the key file (gwctl.store.crypto, gwctl.store.key_check).

With GWCTL_STORE_KEY (no file to edit) the operator does steps 1 and 3 by hand: set
`GWCTL_STORE_KEY=<new>,<old>` (on every server first), run rotate-key, then set `<new>` alone.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from gwctl.core.providers import STORE_COLUMNS
from gwctl.store import audit, key_check
from gwctl.store.context import WriteContext
from gwctl.store.crypto import (
    KEY_BYTES,
    CredentialCipher,
    DecryptionError,
    KeyRing,
    ciphertext_key_id,
)
from gwctl.store.db import GatewayRow, write_transaction
from gwctl.store.errors import StoreConfigError
from gwctl.store.key_files import ENV_SOURCE, KEY_ENV, from_environment, load_keyring, write_keyring
from gwctl.store.tokens import CLI_ACTOR

log = logging.getLogger(__name__)

ENV_HOWTO = (
    f"the store key comes from ${KEY_ENV}, which this command cannot edit: make a new key "
    f"(openssl rand -base64 32), set {KEY_ENV}=<new>,<current> on every server and here, "
    f"run rotate-key again, then set {KEY_ENV}=<new> alone"
)

ENV_DONE = (
    f"the credentials are under the first key of ${KEY_ENV} already: set {KEY_ENV} to that "
    "key alone on every server (the others decrypt nothing any more)"
)


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: key ids (never keys), values re-encrypted, and where the key is."""

    old_key_id: str
    new_key_id: str
    values: int
    gateways: int
    source: str  # the key file, or $GWCTL_STORE_KEY

    @property
    def from_environment(self) -> bool:
        return self.source == ENV_SOURCE


def rotate(engine: Engine, place: Path | None, *, actor: str = CLI_ACTOR) -> Rotation:
    """Re-encrypt everything under a new key (see the module's docstring); audited.

    `engine` is a store's, opened with its signer (GatewayStore.open), and `place` its key
    file (None: the key is in GWCTL_STORE_KEY). StoreConfigError when the key is in
    GWCTL_STORE_KEY without a new key in front of the current one.
    """
    context = WriteContext(token_name=None, actor=actor)
    rotation = write_transaction(engine, lambda session: _rotate(session, place, context))
    finish(engine, place)
    return rotation


def finish(engine: Engine, place: Path | None) -> bool:
    """Drop from the key file every key the database no longer uses, once a rotation has
    committed (a pending key, not yet used, stays). True if the file was rewritten."""
    if place is None or from_environment() or len(load_keyring(place).keys) == 1:
        return False  # the usual case, answered without taking the write lock

    def work(session: Session) -> bool:
        ring = load_keyring(place, may_create=False)
        current = key_check.current_key_id(session, CredentialCipher(ring))
        if len(ring.keys) == 1 or ring.ids[0] != current:
            return False
        write_keyring(place, ring.keys[:1])
        return True

    return write_transaction(engine, work)


def finish_at_start(engine: Engine, place: Path | None) -> None:
    """`finish` as a store starts; a key file it may not write is only a warning (its old
    key keeps working until rotate-key runs where the file is writable)."""
    try:
        if finish(engine, place):
            log.warning("%s: removed the old store key of an interrupted rotation", place)
    except OSError as exc:
        log.warning("%s: could not remove the old key of a rotation: %s", place, exc.strerror)


def _rotate(session: Session, place: Path | None, context: WriteContext) -> Rotation:
    ring = load_keyring(place, may_create=False)
    cipher = CredentialCipher(ring)
    current = key_check.current_key_id(session, cipher) or ring.ids[0]
    if ring.ids[0] == current:  # no pending key yet: make one, or ask for one
        if ring.source == ENV_SOURCE and len(ring.keys) > 1:
            raise StoreConfigError(ENV_DONE)
        if place is None or ring.source == ENV_SOURCE:
            raise StoreConfigError(ENV_HOWTO)
        ring = KeyRing((secrets.token_bytes(KEY_BYTES), ring.keys[0]), str(place))
        write_keyring(place, ring.keys)  # before any value uses it: the file decrypts both
        cipher = CredentialCipher(ring)
    target = ring.ids[0]
    cipher.follow(target)
    try:
        values, gateways = _reencrypt_gateways(session, cipher, target)
    except DecryptionError as exc:
        raise StoreConfigError(f"{exc}: nothing was re-encrypted (the key is unchanged)") from None
    key_check.reencrypt(session, cipher)
    details = {"old_key_id": current, "new_key_id": target, "values": values, "gateways": gateways}
    audit.append(session, context, "key_rotate", None, details=details)
    return Rotation(current, target, values, gateways, ring.source)


def _reencrypt_gateways(session: Session, cipher: CredentialCipher, target: str) -> tuple[int, int]:
    columns = [getattr(GatewayRow, column) for column in STORE_COLUMNS]
    rows = session.execute(select(GatewayRow.id, GatewayRow.key, *columns)).all()
    changed: list[dict[str, Any]] = []
    values = 0
    for row in rows:
        changes: dict[str, Any] = {}
        for column in STORE_COLUMNS:
            blob = getattr(row, column)
            if blob is None or ciphertext_key_id(blob) == target:
                continue
            plain = cipher.decrypt(blob, gateway_key=row.key, column=column)
            changes[column] = cipher.encrypt(plain, gateway_key=row.key, column=column)
        if changes:
            changed.append({"id": row.id, **changes})
            values += len(changes)
    if changed:  # an UPDATE by primary key, executemany per set of columns
        session.execute(update(GatewayRow), changed)
    return values, len(rows)
