"""`gwctl store rotate-key` SIGKILLed at each moment of its work, on every database: the
database is all old or all new, the key file decrypts whatever it holds, and running
rotate-key again (or the next start) leaves every value under one new key."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from gwctl.store.crypto import ciphertext_key_id, key_id
from gwctl.store.key_files import load_keyring
from gwctl.store.server import rotate_store_key
from gwctl.store.service import GatewayStore
from tests.support.stall import stalled_gwctl, wait_for
from tests.support.store_keys import decrypt_all, seed, stored

# where the process stops for good -> whether the database holds the new key's values then
MOMENTS = {
    "new key written to the file": ("gwctl.store.rotation:write_keyring:after", False),
    "every value re-encrypted": ("gwctl.store.key_check:reencrypt:after", False),
    # call 1 is the check as the store opens; call 2 is rotate's, after its commit
    "committed, file not rewritten": ("gwctl.store.rotation:finish:before:2", True),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_sigkill_leaves_all_old_or_all_new_and_a_rerun_finishes(
    database_url: str, key_file: Path, tmp_path: Path, moment: str
) -> None:
    plain = seed(database_url, key_file)
    (old,) = load_keyring(key_file).keys
    target, committed = MOMENTS[moment]
    marker = tmp_path / "stalled"
    args = ("store", "rotate-key", "--db", database_url, "--key-file", str(key_file))
    victim = stalled_gwctl(marker, target, "-C", str(tmp_path), *args)
    wait_for(marker, victim)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)

    ring = load_keyring(key_file)
    assert len(ring.keys) == 2  # the new key, and the old one its database may still need
    (new,) = [key for key in ring.keys if key != old]
    blobs = stored(database_url)
    expected = key_id(new) if committed else key_id(old)
    assert {ciphertext_key_id(blob) for blob in blobs.values()} == {expected}
    assert decrypt_all(ring, blobs) == plain

    rotation = rotate_store_key(database_url, key_file=key_file)
    (final,) = load_keyring(key_file).keys
    assert rotation.new_key_id == key_id(final)
    if not committed:
        assert final == new  # the key the killed run had written, not yet another one
    assert decrypt_all(final, stored(database_url)) == plain
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        assert store.verify_audit().ok
        rotations = store.list_audit(action="key_rotate").items
    finally:
        store.close()
    assert len(rotations) == (2 if committed else 1)  # a killed transaction left no entry
