"""`gwctl store token list`: name, role, when and by whom, expiry and last use; a token's
value is never stored. A token that never expires is flagged (`NEVER EXPIRES`), an expired
one says so (`EXPIRED`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.store.tokens import TokenInfo

_MINUTE = "%Y-%m-%d %H:%M"


def token_lines(tokens: Iterable[TokenInfo]) -> list[str]:
    return [
        f"{info.name:<24} {info.role:<6} {info.created_at:{_MINUTE}} by {info.created_by}  "
        f"{_expiry(info):<24}  {_last_use(info)}"
        for info in tokens
    ]


def _expiry(info: TokenInfo) -> str:
    if info.expires_at is None:
        return "NEVER EXPIRES"
    return f"{'EXPIRED' if info.expired else 'expires'} {info.expires_at:{_MINUTE}}"


def _last_use(info: TokenInfo) -> str:
    if info.last_used_at is None:
        return "never used"
    where = f" from {info.last_used_from}" if info.last_used_from else ""
    return f"last used {info.last_used_at:{_MINUTE}}{where}"
