"""Logo rules shared by the CLI, the store's API and its web page: size and image type."""

from __future__ import annotations

MAX_LOGO_BYTES = 256 * 1024
LOGO_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def image_type(data: bytes) -> str | None:
    """The content type of PNG or JPEG bytes judged by their magic bytes, else None."""
    return next((kind for kind, magic in LOGO_MAGIC.items() if data.startswith(magic)), None)
