"""`gwctl store token list`: name, role, when and by whom; a token's value is never stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.store.tokens import TokenInfo


def token_lines(tokens: Iterable[TokenInfo]) -> list[str]:
    return [
        f"{info.name:<24} {info.role:<6} {info.created_at:%Y-%m-%d %H:%M} by {info.created_by}"
        for info in tokens
    ]
