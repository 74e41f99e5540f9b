"""What git wants, ready to diff: accounts plus the credentials a plan must look at.

A secret file is decrypted only when its value could differ from the store's: a new
account, or a file whose bytes are not the ones the store recorded as last applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gwctl.config.loader import LoadedAccount
from gwctl.config.secrets import SecretError, decrypt_many
from gwctl.core.model import Secret
from gwctl.core.problems import Problem
from gwctl.reconcile.plan import Desired, Live, secret_unchanged

Progress = Callable[[int], None]


def desired_state(
    accounts: Sequence[LoadedAccount],
    live: Sequence[Live],
    progress: Callable[[int], Progress] | None = None,
) -> tuple[list[Desired], list[Problem]]:
    """Decrypt what must be compared; problems name the secret files that failed.

    `progress(total)` is asked for a callback advanced by one per decrypted file.
    """
    live_by_key = {gateway["key"]: gateway for gateway in live}
    to_decrypt = [
        loaded
        for loaded in accounts
        if not secret_unchanged(loaded.account, live_of(loaded, live_by_key))
    ]
    credentials, failed, problems = _decrypt(to_decrypt, progress)
    desired = [
        Desired(loaded.account, loaded.provider, credentials.get(loaded.account.key))
        for loaded in accounts
        if loaded.account.key not in failed
    ]
    return desired, problems


Decrypted = Callable[[LoadedAccount, dict[str, Secret]], None]


def decrypt_credentials(
    accounts: Sequence[LoadedAccount],
    progress: Callable[[int], Progress] | None = None,
    each: Decrypted | None = None,
) -> tuple[dict[str, dict[str, Secret]], list[Problem]]:
    """Each account's credentials by key, decrypted and checked against its schema.

    `each(account, credentials)` is called, in a decrypting thread, as soon as one account's
    credentials are decrypted and valid."""
    credentials, _, problems = _decrypt(accounts, progress, each)
    return credentials, problems


def _decrypt(
    accounts: Sequence[LoadedAccount],
    progress: Callable[[int], Progress] | None,
    each: Decrypted | None = None,
) -> tuple[dict[str, dict[str, Secret]], set[str], list[Problem]]:
    by_file = {loaded.secret_document.file: loaded for loaded in accounts}
    credentials: dict[str, dict[str, Secret]] = {}
    failed: set[str] = set()
    problems: list[Problem] = []

    def checked(display: str, result: dict[str, Secret] | SecretError) -> None:
        loaded = by_file[display]
        if isinstance(result, SecretError):
            problems.append(Problem(display, 1, 1, str(result), "decrypt"))
            failed.add(loaded.account.key)
            return
        violations = loaded.provider.validate_credentials(
            {name: secret.reveal() for name, secret in result.items()}
        )
        problems.extend(
            loaded.secret_document.problem(v.path, v.message, v.code) for v in violations
        )
        credentials[loaded.account.key] = result
        if each is not None and not violations:
            each(loaded, result)

    decrypt_many(
        {display: loaded.secret_path for display, loaded in by_file.items()},
        progress=progress(len(accounts)) if progress else None,
        each=checked,
    )
    return credentials, failed, sorted(problems)


def live_of(loaded: LoadedAccount, live_by_key: Mapping[str, Live]) -> Live | None:
    """The live gateway an account diffs against: by key, or by `moved_from` for a rename."""
    account = loaded.account
    if account.key in live_by_key:
        return live_by_key[account.key]
    return live_by_key.get(account.moved_from) if account.moved_from else None
