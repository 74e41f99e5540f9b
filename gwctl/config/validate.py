"""`gwctl validate`: every check of a config directory, optionally with decrypted secrets."""

from __future__ import annotations

from pathlib import Path

from gwctl.config.committed_secrets import tracked_private_files
from gwctl.config.editor_schemas import check_editor_schemas
from gwctl.config.loader import LoadedConfig, load_config
from gwctl.config.secrets import SecretError, decrypt_many
from gwctl.config.settings import settings_problems
from gwctl.core.problems import Problem


def validate(root: Path, *, decrypt: bool = False) -> LoadedConfig:
    """Load and check a config directory; with `decrypt`, also check the secret values.

    Decrypted values are checked against the provider's credential schema and dropped
    straight after: validation keeps no plaintext.
    """
    config = load_config(root)
    config.problems.extend(tracked_private_files(root))
    config.problems.extend(check_editor_schemas(root, config.account_files))
    config.problems.extend(settings_problems(root))
    if decrypt:
        config.problems.extend(_check_secret_values(config))
    config.problems.sort()
    return config


def _check_secret_values(config: LoadedConfig) -> list[Problem]:
    by_file = {loaded.secret_document.file: loaded for loaded in config.accounts}
    results = decrypt_many({display: loaded.secret_path for display, loaded in by_file.items()})
    problems: list[Problem] = []
    for display, result in results.items():
        loaded = by_file[display]
        if isinstance(result, SecretError):
            problems.append(Problem(display, 1, 1, str(result), "decrypt"))
            continue
        plain = {name: secret.reveal() for name, secret in result.items()}
        violations = loaded.provider.validate_credentials(plain)
        del plain, result
        problems.extend(
            loaded.secret_document.problem(v.path, v.message, v.code) for v in violations
        )
    return problems
