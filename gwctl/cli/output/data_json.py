"""`--format json` of the commands that print data (gateways, providers, lock status, audit
verify, store token list): what the text shows, for tools. Credentials appear only as the
store's masks and fingerprints, exactly as its API returns them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from gwctl.core.views import Gateway, LockState

if TYPE_CHECKING:
    from gwctl.core.providers import Provider
    from gwctl.store.tokens import TokenInfo

DATA_FORMATS = ("text", "json")
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(DATA_FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def gateways_json(gateways: Sequence[Gateway]) -> str:
    return as_json(list(gateways))


def providers_json(providers: Iterable[Provider]) -> str:
    return as_json(
        [
            {
                "id": provider.id,
                "company_name": provider.company_name,
                "signup_link": provider.signup_link,
                "verifiable": provider.verify is not None,
                "credentials": [
                    {
                        "name": field.name,
                        "title": field.title,
                        "column": field.column,
                        "secret": field.secret,
                    }
                    for field in provider.credentials
                ],
            }
            for provider in providers
        ]
    )


def lock_json(state: LockState) -> str:
    return as_json(state)


def tokens_json(tokens: Iterable[TokenInfo]) -> str:
    return as_json(
        [
            {
                "name": info.name,
                "role": info.role,
                "created_at": info.created_at.isoformat(),
                "created_by": info.created_by,
                "expires_at": _moment(info.expires_at),
                "expired": info.expired,
                "last_used_at": _moment(info.last_used_at),
                "last_used_from": info.last_used_from,
            }
            for info in tokens
        ]
    )


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
