"""`gwctl validate`: every check of a config directory, optionally with decrypted secrets."""

from __future__ import annotations

from pathlib import Path

from gwctl.config.committed_secrets import tracked_private_files
from gwctl.config.credentials import decrypt_accounts
from gwctl.config.editor_schemas import check_editor_schemas
from gwctl.config.loader import LoadedConfig, load_config
from gwctl.config.settings import CONFIG_FILE, settings_problems
from gwctl.core.problems import Problem


def validate(root: Path, *, decrypt: bool = False) -> LoadedConfig:
    """Load and check a config directory; with `decrypt`, also check the secret values.

    Decrypted values are checked against the provider's credential schema and dropped
    straight after: validation keeps no plaintext.
    """
    config = load_config(root)
    config.problems.extend(tracked_private_files(root))
    settings_file = root / CONFIG_FILE
    modelined = [*config.account_files, *([settings_file] if settings_file.is_file() else [])]
    config.problems.extend(check_editor_schemas(root, modelined))
    config.problems.extend(settings_problems(root))
    if decrypt:
        config.problems.extend(_check_secret_values(config))
    config.problems.sort()
    return config


def _check_secret_values(config: LoadedConfig) -> list[Problem]:
    _, _, problems = decrypt_accounts(config.accounts)  # the values are dropped on return
    return problems
