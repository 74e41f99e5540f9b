"""Opaque pagination cursors and RFC 3339 times, as the API shows them."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from gwctl.store.errors import ValidationFailed


def encode_cursor(position: str) -> str:
    """An opaque cursor for the position after which the next page starts."""
    return base64.urlsafe_b64encode(position.encode("utf-8")).decode("ascii").rstrip("=")


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        "the cursor is not valid: pass next_cursor from the previous page",
        [{"parameter": "cursor", "message": "not a cursor handed out by this store"}],
    )


def decode_cursor(cursor: str) -> str:
    """The position a cursor stands for (ASCII); 422 for a cursor this store did not hand out."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        raise invalid_cursor() from None
    if not position.isprintable():
        raise invalid_cursor()
    return position


def decode_seq_cursor(cursor: str) -> int:
    """The sequence number a cursor over the audit log or its checkpoints stands for."""
    position = decode_cursor(cursor)
    if not position.isdigit():
        raise invalid_cursor()
    return int(position)


def rfc3339(moment: datetime) -> str:
    """`2026-11-24T19:12:04Z`: UTC, whole seconds."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds").removesuffix("+00:00") + "Z"
