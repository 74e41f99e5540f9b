"""age identities generated in the test run, and the sops environment around them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest

SOPS_ENV_VARS = (
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
    "SOPS_AGE_RECIPIENTS",
    "GWCTL_SOPS",
)

# `encrypt(values, recipient)` -> the bytes of a sops file holding `values`
EncryptSecret = Callable[[Mapping[str, str], str], bytes]


@dataclass(frozen=True)
class AgeIdentity:
    """An age X25519 identity generated in the test run, with its key file on disk."""

    key_file: Path
    public_key: str

    @property
    def secret_key(self) -> str:
        """The `AGE-SECRET-KEY-1...` line, for `SOPS_AGE_KEY`."""
        lines = self.key_file.read_text(encoding="utf-8").splitlines()
        return next(line for line in lines if line.startswith("AGE-SECRET-KEY-"))


def generate_identity(directory: Path) -> AgeIdentity:
    """A new identity, its key file `directory/age-key.txt` (mode 0600)."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    key_file = directory / "age-key.txt"
    key_file.write_text(f"# public key: {public}\n{identity}\n", encoding="utf-8")
    key_file.chmod(0o600)
    return AgeIdentity(key_file, public)


def isolate_sops(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Remove every way sops could find a key except those a test sets afterwards (no
    inherited env vars, no ~/.config/sops/age/keys.txt, no ~/.ssh keys)."""
    for name in SOPS_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))


def sops_rules(*recipients: str) -> str:
    """A `.sops.yaml` encrypting gateways.d/*.secret.yaml to the given age recipients."""
    return (
        "creation_rules:\n"
        "  - path_regex: gateways\\.d/[^/]+\\.secret\\.yaml$\n"
        f"    age: {','.join(recipients)}\n"
    )
