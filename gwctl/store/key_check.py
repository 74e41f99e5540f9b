"""The check value that proves a keyring holds the database's key, and names that key.

`store_meta.key_check` holds a constant encrypted under the key the database's credentials
are under: a store refuses to start with keys that cannot decrypt it (a wrong key would
otherwise encrypt new values that nothing else can read). Its key id names the database's
current key: every write transaction follows it (`follow_database`), so a server that has
not yet seen a rotation never writes a value under the old key.
"""

from __future__ import annotations

import base64

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gwctl.store.crypto import CredentialCipher, DecryptionError
from gwctl.store.db import MetaRow, read_transaction, write_transaction
from gwctl.store.errors import StoreConfigError

KEY_CHECK = "key_check"
_PLAIN = "gwctl-store-key-check"


def check_key(engine: Engine, cipher: CredentialCipher) -> None:
    """Prove `cipher` holds the database's key (storing a check value on first use) and
    encrypt under that key."""

    def store_check(session: Session) -> str | None:
        found = _stored(session)
        if found is None:  # first start: remember a value only this key decrypts
            _write(session, cipher)
        return found

    if read_transaction(engine, _stored) is None and write_transaction(engine, store_check) is None:
        return
    read_transaction(engine, lambda session: follow_database(session, cipher))


def current_key_id(session: Session, cipher: CredentialCipher) -> str | None:
    """The id of the key the database's credentials are under (None before the first start).
    StoreConfigError if `cipher` holds no key that decrypts the check value."""
    check = _stored(session)
    if check is None:
        return None
    try:
        return cipher.key_id_of(base64.b64decode(check), gateway_key="", column=KEY_CHECK)
    except DecryptionError:
        raise StoreConfigError(
            f"{cipher.source}: holds no key this database's credentials were encrypted with "
            "(the wrong key file or GWCTL_STORE_KEY?)"
        ) from None


def follow_database(session: Session, cipher: CredentialCipher) -> None:
    """Have `cipher` encrypt under the database's current key (read in `session`)."""
    current = current_key_id(session, cipher)
    if current is not None:
        cipher.follow(current)


def reencrypt(session: Session, cipher: CredentialCipher) -> None:
    """Store the check value again under `cipher`'s current key (a rotation's last step)."""
    _write(session, cipher)


def _stored(session: Session) -> str | None:
    row = session.get(MetaRow, KEY_CHECK)
    return None if row is None else row.value


def _write(session: Session, cipher: CredentialCipher) -> None:
    blob = cipher.encrypt(_PLAIN, gateway_key="", column=KEY_CHECK)
    session.merge(MetaRow(name=KEY_CHECK, value=base64.b64encode(blob).decode("ascii")))
