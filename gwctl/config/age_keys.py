"""age recipients for `.sops.yaml`: checked as given, or read off the user's own identity.

sops finds the user's identity in SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or its default key file;
`gwctl init` encrypts to the public key of that identity unless told other recipients.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyrage

from gwctl.errors import GwctlError


class RecipientError(GwctlError):
    """An age recipient or identity cannot be used; the message says what to pass instead."""


def check_recipients(recipients: Iterable[str]) -> list[str]:
    """The recipients, each checked to be an age X25519 public key (`age1...`)."""
    checked = []
    for recipient in recipients:
        try:
            pyrage.x25519.Recipient.from_str(recipient.strip())
        except pyrage.RecipientError:
            raise RecipientError(
                f"{recipient!r} is not an age public key: pass the `age1...` line that "
                "`age-keygen -y KEYFILE` prints"
            ) from None
        checked.append(recipient.strip())
    return checked


def identity_recipients(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The public keys of the identities sops would decrypt with, in the order it looks."""
    inline = environ.get("SOPS_AGE_KEY")
    if inline:
        return _public_keys(inline, "SOPS_AGE_KEY")
    key_file = Path(environ.get("SOPS_AGE_KEY_FILE") or _default_key_file(environ))
    try:
        text = key_file.read_text(encoding="utf-8")
    except OSError:
        raise RecipientError(
            f"no age identity found ({key_file} cannot be read): pass --age age1... with "
            "your public key, or set SOPS_AGE_KEY_FILE to your age key file"
        ) from None
    return _public_keys(text, str(key_file))


def _default_key_file(environ: Mapping[str, str]) -> Path:
    config = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(config).expanduser() / "sops" / "age" / "keys.txt"


def _public_keys(text: str, source: str) -> list[str]:
    keys = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("AGE-SECRET-KEY-"):
            continue
        try:
            keys.append(str(pyrage.x25519.Identity.from_str(line).to_public()))
        except pyrage.IdentityError:
            raise RecipientError(
                f"{source}: holds a line that is not a valid age identity"
            ) from None
    if not keys:
        raise RecipientError(
            f"{source}: holds no age identity (AGE-SECRET-KEY-...): pass "
            "--age age1... with the public key to encrypt to"
        )
    return keys
