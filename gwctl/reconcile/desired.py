"""What git wants, ready to diff: accounts plus the credentials a plan must look at.

A secret file is decrypted only when its value could differ from the store's: a new
account, or a file whose bytes are not the ones the store recorded as last applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gwctl.config.loader import LoadedAccount
from gwctl.config.secrets import SecretError, decrypt_many
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
    to_decrypt = {
        loaded.secret_document.file: loaded
        for loaded in accounts
        if not secret_unchanged(loaded.account, _live_of(loaded, live_by_key))
    }
    results = decrypt_many(
        {name: loaded.secret_path for name, loaded in to_decrypt.items()},
        progress=progress(len(to_decrypt)) if progress else None,
    )
    desired, problems = [], []
    for loaded in accounts:
        result = results.get(loaded.secret_document.file)
        if isinstance(result, SecretError):
            problems.append(Problem(loaded.secret_document.file, 1, 1, str(result), "decrypt"))
            continue
        if result is not None:
            violations = loaded.provider.validate_credentials(
                {name: secret.reveal() for name, secret in result.items()}
            )
            problems.extend(
                loaded.secret_document.problem(v.path, v.message, v.code) for v in violations
            )
        desired.append(Desired(loaded.account, loaded.provider, result))
    return desired, sorted(problems)


def _live_of(loaded: LoadedAccount, live_by_key: Mapping[str, Live]) -> Live | None:
    account = loaded.account
    if account.key in live_by_key:
        return live_by_key[account.key]
    return live_by_key.get(account.moved_from) if account.moved_from else None
