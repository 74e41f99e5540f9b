"""The typed account model the loader produces and plan/apply consume."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# An account's key: its file name in gateways.d/ and its identity in the store, for good.
KEY_PATTERN_TEXT = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
KEY_PATTERN = re.compile(KEY_PATTERN_TEXT)

# The account fields that map one-to-one onto the store's gateway fields.
PLAIN_FIELDS = (
    "name",
    "status",
    "sending_pattern",
    "fallback_sender_id",
    "description",
    "signup_link",
    "protect",
)


class Secret:
    """A credential value held in memory only; its repr and str never show it.

    Call `reveal()` at the one place the value must leave the process (the request body
    of a store write); everything else (logs, exceptions, plans) sees the mask.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('••••')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:  # pickling would write the value somewhere: refuse
        raise TypeError("Secret values cannot be pickled")


@dataclass(frozen=True, slots=True)
class Logo:
    """A logo file of an account, read and checked by the loader."""

    path: str  # as written in the account file, relative to it
    content_type: str
    sha256: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Account:
    """One gateway account as declared in git: `gateways.d/<key>.yaml` plus its secret file."""

    key: str
    provider: str
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None = None
    signup_link: str | None = None
    logo: Logo | None = None
    protect: bool = False
    moved_from: str | None = None
    account_file: str = ""
    secret_file: str = ""
    # SHA-256 of the account file and of the encrypted secret file, as bytes on disk
    account_digest: str = ""
    secret_digest: str = ""

    def plain_values(self) -> dict[str, Any]:
        """The non-credential fields compared with the store, by store field name."""
        return {name: getattr(self, name) for name in PLAIN_FIELDS}
