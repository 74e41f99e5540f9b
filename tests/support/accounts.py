"""Valid account files' fields and credentials, and a minimal PNG to use as a logo."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from tests.support.canaries import CANARY, CANARY_HEX

TWILIO_SID = "AC" + "0123456789abcdef" * 2

# Sentinel for `account(..., field=REMOVE)`: leave that field out.
REMOVE: Any = object()


def valid_credentials(provider: str) -> dict[str, str]:
    """Credentials that pass the provider's schema; the secret ones are canaries."""
    return {
        "infobip": {"api_key": "infobip-api-key-0001", "secret_key": CANARY},
        "clickatell": {"username": "smsplus-user", "password": CANARY},
        "twilio": {"account_sid": TWILIO_SID, "auth_token": CANARY_HEX},
    }[provider]


def account(provider: str = "infobip", name: str | None = None, **fields: Any) -> dict[str, Any]:
    """A valid account file's fields for `provider`; keyword arguments override or, given
    `REMOVE`, drop a field. Key order is the order a person would write them in."""
    data: dict[str, Any] = {
        "provider": provider,
        "name": name or f"{provider.title()} Test",
        "status": "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "SMSPLUS",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not REMOVE}


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG image (greyscale)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
