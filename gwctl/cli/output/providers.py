"""`gwctl providers`: each provider with its credential fields and the store column of each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.core.providers import Provider


def render_providers(providers: Iterable[Provider]) -> str:
    return "\n".join(_line(provider) for provider in providers)


def _line(provider: Provider) -> str:
    fields = ", ".join(
        f"{field.name} ({field.title}; {field.column} column, "
        f"{'secret' if field.secret else 'shown in clear'})"
        for field in provider.credentials
    )
    return f"{provider.id:<12} {provider.company_name:<12} {fields}"
