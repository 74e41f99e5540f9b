"""Who is acting on the store: the authenticated principal, the client it came from and the
context of a write."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from gwctl.store.models import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the name and role of the token (or web session) it used."""

    token_name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role == "admin"


ADDRESS_MAX = 64
USER_AGENT_MAX = 200


def printable(text: str, limit: int) -> str:
    """`text` without control, format (bidi, zero-width) or unassigned characters, cut to
    `limit` characters: safe to store in the audit log and to show in a terminal."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))[:limit]


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the audit log records it: the address (None when the
    server does not know it) and the User-Agent, both cleaned by `printable`."""

    address: str | None
    user_agent: str

    @classmethod
    def of(cls, address: str | None, user_agent: str | None) -> Client:
        cleaned = printable(address, ADDRESS_MAX) if address else ""
        return cls(cleaned or None, printable(user_agent or "", USER_AGENT_MAX))

    @property
    def throttle_address(self) -> str:
        """The address failed attempts are counted under ("unknown" when there is none)."""
        return self.address or "unknown"

    def details(self) -> dict[str, str | None]:
        """The address and the User-Agent, as audit entries record them."""
        return {"address": self.address, "user_agent": self.user_agent}


@dataclass(frozen=True)
class WriteContext:
    """Everything a write records in the audit log, plus the apply lock it holds (if any).

    `actor` is the person or CI job (header X-Gwctl-Actor); it defaults to the token name.
    """

    token_name: str | None
    actor: str
    source_commit: str | None = None
    plan_id: str | None = None
    lock_id: str | None = None

    @classmethod
    def for_principal(
        cls,
        principal: Principal,
        *,
        actor: str | None = None,
        source_commit: str | None = None,
        plan_id: str | None = None,
        lock_id: str | None = None,
    ) -> WriteContext:
        return cls(
            token_name=principal.token_name,
            actor=actor or principal.token_name,
            source_commit=source_commit,
            plan_id=plan_id,
            lock_id=lock_id,
        )
