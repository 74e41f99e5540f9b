"""Opaque pagination cursors and RFC 3339 times, as the API shows them."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from gwctl.store.errors import ValidationFailed


def encode_cursor(position: str) -> str:
    """An opaque cursor for the position after which the next page starts."""
    return base64.urlsafe_b64encode(position.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The position a cursor stands for; 422 for a cursor this store did not hand out."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "the cursor is not valid: pass next_cursor from the previous page",
            [{"parameter": "cursor", "message": "not a cursor handed out by this store"}],
        ) from None


def rfc3339(moment: datetime) -> str:
    """`2026-11-24T19:12:04Z`: UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
