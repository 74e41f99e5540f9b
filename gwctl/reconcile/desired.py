"""What git wants, ready to diff: accounts plus the credentials a plan must look at.

A secret file is decrypted only when its value could differ from the store's: a new
account, or a file whose bytes are not the ones the store recorded as last applied. What is
decrypted is fingerprinted with the repository's key, to compare with the store's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gwctl.config.credentials import Progress, decrypt_accounts
from gwctl.config.loader import LoadedAccount
from gwctl.core.fingerprints import FingerprintKey
from gwctl.core.model import Secret
from gwctl.core.problems import Problem
from gwctl.reconcile.plan import Desired, Live, secret_unchanged


def desired_state(
    accounts: Sequence[LoadedAccount],
    live: Sequence[Live],
    progress: Callable[[int], Progress] | None = None,
    fingerprint_key: Callable[[], FingerprintKey | None] = lambda: None,
) -> tuple[list[Desired], list[Problem]]:
    """Decrypt what must be compared, and fingerprint it; problems name the secret files
    that failed.

    `progress(total)` is asked for a callback advanced by one per decrypted file;
    `fingerprint_key()` is asked only when something was decrypted.
    """
    live_by_key = {gateway["key"]: gateway for gateway in live}
    to_decrypt = [
        loaded
        for loaded in accounts
        if not secret_unchanged(loaded.account, live_of(loaded, live_by_key))
    ]
    credentials, failed, problems = decrypt_accounts(to_decrypt, progress)
    key = fingerprint_key() if credentials else None
    desired = [
        Desired(
            loaded.account,
            loaded.provider,
            credentials.get(loaded.account.key),
            _fingerprints(key, credentials.get(loaded.account.key)),
        )
        for loaded in accounts
        if loaded.account.key not in failed
    ]
    return desired, problems


def _fingerprints(
    key: FingerprintKey | None, credentials: Mapping[str, Secret] | None
) -> dict[str, str] | None:
    if key is None or credentials is None:
        return None
    return {name: key.fingerprint(name, value) for name, value in credentials.items()}


def live_of(loaded: LoadedAccount, live_by_key: Mapping[str, Live]) -> Live | None:
    """The live gateway an account diffs against: by key, or by `moved_from` for a rename."""
    account = loaded.account
    if account.key in live_by_key:
        return live_by_key[account.key]
    return live_by_key.get(account.moved_from) if account.moved_from else None
