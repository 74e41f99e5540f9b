"""Where a config repository's parts are: its root holds `gateways.d/` and `gwctl.yaml`.

Free of imports beyond pathlib, so the command line can resolve `-C DIR` and `validate DIR`
before it loads anything else.
"""

from __future__ import annotations

from pathlib import Path

GATEWAYS_DIR = "gateways.d"
# the repository's fingerprint key (gwctl.config.fingerprint_key), beside the secret files
FINGERPRINT_KEY_FILE = "_fingerprint-key.secret.yaml"


def repository_root(directory: Path) -> Path:
    """The repository whose root `directory` is, or whose `gateways.d/` it is: people type
    `gwctl validate gateways.d` as often as `gwctl validate .`."""
    if directory.name == GATEWAYS_DIR and not (directory / GATEWAYS_DIR).is_dir():
        return directory.parent
    return directory
