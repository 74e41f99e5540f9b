"""Who is acting on the store: the authenticated principal and the context of a write."""

from __future__ import annotations

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
