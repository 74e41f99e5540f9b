"""Decrypting accounts' secret files and checking the values against their provider's
credential schema: the one path `validate --decrypt`, plan and `gwctl verify` share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gwctl.config.loader import LoadedAccount
from gwctl.config.secrets import SecretError, decrypt_many
from gwctl.core.model import Secret
from gwctl.core.problems import Problem

Progress = Callable[[int], None]
Decrypted = Callable[[LoadedAccount, dict[str, Secret]], None]


def decrypt_accounts(
    accounts: Sequence[LoadedAccount],
    progress: Callable[[int], Progress] | None = None,
    each: Decrypted | None = None,
) -> tuple[dict[str, dict[str, Secret]], set[str], list[Problem]]:
    """Each account's credentials by key, the keys whose file could not be decrypted, and
    the problems (a file sops refused, values the schema refuses, at their place).

    `progress(total)` is asked for a callback advanced per file; `each(account,
    credentials)` is called, in a decrypting thread, as soon as one account's credentials
    are decrypted and valid (`gwctl verify` sends its request then)."""
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
