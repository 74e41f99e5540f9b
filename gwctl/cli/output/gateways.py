"""The seed's "Available Gateways" table as terminal text, from the store's gateway list."""

from __future__ import annotations

from collections.abc import Sequence

from gwctl.core.providers import STORE_COLUMNS
from gwctl.core.views import Gateway

HEADERS = (
    "S/N",
    "Company Name",
    "Gateway Name",
    "API Key",
    "Secret Key",
    "Username",
    "Password",
    "Status",
    "Sending Pattern",
    "Fallback Sender ID",
    "Managed by",
)


def available_gateways(gateways: Sequence[Gateway]) -> str:
    """One row per account; each credential under the column its schema names, masked
    unless it is an identifier; empty where the provider has no such field."""
    if not gateways:
        return "No gateway has been set up yet."
    rows = [HEADERS] + [_row(number, gateway) for number, gateway in enumerate(gateways, 1)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _row(number: int, gateway: Gateway) -> tuple[str, ...]:
    by_column = {column: "" for column in STORE_COLUMNS}
    for credential in (gateway.get("credentials") or {}).values():
        shown = (
            credential.get("mask", "")
            if credential.get("secret")
            else credential.get("value", credential.get("mask", ""))
        )
        by_column[credential["column"]] = str(shown)
    return (
        str(number),
        str(gateway.get("company_name") or gateway["provider"]),
        str(gateway["name"]),
        *(by_column[column] for column in STORE_COLUMNS),
        str(gateway["status"]),
        str(gateway["sending_pattern"]),
        str(gateway["fallback_sender_id"]),
        str(gateway.get("managed_by", "")),
    )
