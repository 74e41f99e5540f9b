"""Sample gateway writes and images for the store tests."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path
from typing import Any

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "fedcba9876543210" * 2


def png(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A real PNG image (grey pixels), optionally padded with a text chunk to grow it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    extra = chunk(b"tEXt", b"pad\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


# A real 24 × 24 JPEG (the logo rule decodes every image fully).
JPEG = (Path(__file__).parent / "logo.jpg").read_bytes()


def infobip(
    key: str = "infobip-primary", name: str = "Infobip I", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "provider": "infobip",
        "name": name,
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "description": "EU marketing",
        "signup_link": "https://www.infobip.com/signup",
        "credentials": {"api_key": "ib-api-key-0001", "secret_key": "ib-secret-key-0001"},
        "managed_by": "gwctl",
        "applied_digest": "sha256:" + "ab" * 32,
    }
    body.update(overrides)
    return body


def twilio(key: str = "twilio-us", name: str = "Twilio US", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "provider": "twilio",
        "name": name,
        "status": "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "+447700900123",
        "credentials": {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN},
    }
    body.update(overrides)
    return body


def clickatell(
    key: str = "clickatell-main", name: str = "Clickatell", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "provider": "clickatell",
        "name": name,
        "status": "inactive",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "credentials": {"username": "smsplus-user", "password": "hunter2-but-longer"},
    }
    body.update(overrides)
    return body


def logo_field(data: bytes, content_type: str = "image/png") -> dict[str, str]:
    return {"content_type": content_type, "data": base64.b64encode(data).decode()}


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name not in names}
