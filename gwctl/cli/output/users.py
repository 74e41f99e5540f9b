"""`gwctl store user list`: name, role, enabled or disabled, created, last sign-in; never a
password or its hash (text for people, `--format json` for tools)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gwctl.cli.output.data_json import as_json

if TYPE_CHECKING:
    from gwctl.store.users import UserInfo


def user_lines(users: Iterable[UserInfo]) -> list[str]:
    return [
        f"{info.name:<24} {info.role:<6} {'enabled' if info.enabled else 'disabled':<8} "
        f"created {info.created_at:%Y-%m-%d %H:%M} by {info.created_by}, last sign-in "
        + (f"{info.last_signin_at:%Y-%m-%d %H:%M}" if info.last_signin_at else "never")
        for info in users
    ]


def users_json(users: Iterable[UserInfo]) -> str:
    return as_json(
        [
            {
                "name": info.name,
                "role": info.role,
                "enabled": info.enabled,
                "created_at": info.created_at.isoformat(),
                "created_by": info.created_by,
                "last_signin_at": info.last_signin_at.isoformat() if info.last_signin_at else None,
            }
            for info in users
        ]
    )
