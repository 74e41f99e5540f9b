"""Logo rules shared by `gwctl validate`, the store's API and its web page: one function,
`logo_problem`, says whether bytes are an acceptable logo.

A logo is accepted only when it is a PNG or JPEG image of at most MAX_LOGO_BYTES that
- is the type it claims to be (the upload's content type, when there is one),
- decodes fully with Pillow (`verify()`, then a full `load()`): a truncated or damaged
  image is refused, and so are images over MAX_LOGO_SIDE pixels on a side or MAX_LOGO_PIXELS
  in all (read from the header before any pixel is decoded; Pillow's decompression-bomb guard
  is an error too),
- ends where the image ends: no byte after the PNG IEND chunk or the JPEG EOI marker, so a
  file that is an image and also an HTML page (a polyglot) is refused,
- carries no HTML markup (`<script`, `<html`, `<svg`, ...) anywhere in its bytes, where a
  text chunk or comment of a polyglot would hide it.
Served logos also carry their checked content type and `nosniff`; a logo is never re-encoded
(its SHA-256 is how plan compares it with the file in git).

Pillow is imported only when a logo is checked, never at CLI start-up.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Final

MAX_LOGO_BYTES: Final = 256 * 1024
MAX_LOGO_SIDE: Final = 2048
MAX_LOGO_PIXELS: Final = 1024 * 1024
LOGO_MAGIC: Final = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
LIMITS_TEXT: Final = (
    f"a PNG or JPEG image of at most {MAX_LOGO_BYTES // 1024} KiB, {MAX_LOGO_SIDE} pixels on "
    f"a side and {MAX_LOGO_PIXELS:,} pixels in all"
)
_FORMATS: Final = {"image/png": "PNG", "image/jpeg": "JPEG"}
_MARKUP: Final = re.compile(rb"<(?:script|html|body|iframe|svg|object|embed|!doctype)", re.I)
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class LogoProblem:
    """Why bytes are not an acceptable logo. `code`: logo_size, logo_type, logo_mismatch (the
    content is another type than claimed), logo_decode, logo_pixels, logo_trailing,
    logo_markup."""

    message: str
    code: str


def image_type(data: bytes) -> str | None:
    """The content type of PNG or JPEG bytes judged by their magic bytes, else None."""
    return next((kind for kind, magic in LOGO_MAGIC.items() if data.startswith(magic)), None)


def logo_problem(data: bytes, claimed: str | None = None) -> LogoProblem | None:
    """Why `data` is not an acceptable logo (of content type `claimed`, if given), or None."""
    if len(data) > MAX_LOGO_BYTES:
        return LogoProblem(
            f"the logo is {len(data)} bytes; at most {MAX_LOGO_BYTES} "
            f"({MAX_LOGO_BYTES // 1024} KiB) allowed: shrink it",
            "logo_size",
        )
    detected = image_type(data)
    if detected is None:
        return LogoProblem(
            "the logo must be a PNG or JPEG image (judged by its content, not its name)",
            "logo_type",
        )
    if claimed is not None and claimed != detected:
        return LogoProblem(f"the logo is a {detected} image, not {claimed}", "logo_mismatch")
    return _decode_problem(data, detected) or _shape_problem(data, detected)


def _decode_problem(data: bytes, content_type: str) -> LogoProblem | None:
    from PIL import Image

    kind = _FORMATS[content_type]
    damaged = LogoProblem(
        f"the logo does not decode as a complete {kind} image (truncated or damaged): "
        "export it again",
        "logo_decode",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                width, height = image.size
                if max(width, height) > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
                    return _too_many_pixels(f"{width} × {height} pixels")
                image.verify()
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _too_many_pixels("a decompression bomb (far more pixels than its bytes hold)")
        except (OSError, SyntaxError, ValueError, EOFError, IndexError):
            # UnidentifiedImageError is an OSError; Pillow's messages are not shown: they can
            # name internal objects, and say nothing a person can act on
            return damaged
    return None


def _too_many_pixels(what: str) -> LogoProblem:
    return LogoProblem(
        f"the logo is {what}; at most {MAX_LOGO_SIDE} pixels on a side and "
        f"{MAX_LOGO_PIXELS:,} pixels in all: scale it down",
        "logo_pixels",
    )


def _shape_problem(data: bytes, content_type: str) -> LogoProblem | None:
    """Bytes after the image's end, or HTML markup inside it."""
    end = _png_end(data) if content_type == "image/png" else _jpeg_end(data)
    if end is None:
        return LogoProblem(
            f"the logo has no {_FORMATS[content_type]} end marker: export it again", "logo_decode"
        )
    if end < len(data):
        marker = "IEND chunk" if content_type == "image/png" else "EOI marker"
        return LogoProblem(
            f"the logo has {len(data) - end} bytes after the end of the image (its {marker}): "
            "an image that is also another kind of file is refused; export it again",
            "logo_trailing",
        )
    if _MARKUP.search(data):
        return LogoProblem(
            "the logo carries HTML markup inside the image data (a file that is also a web "
            "page is refused): export the image again without metadata",
            "logo_markup",
        )
    return None


def _png_end(data: bytes) -> int | None:
    """The offset just after the PNG's IEND chunk, following the chunk lengths."""
    position = len(LOGO_MAGIC["image/png"])
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position if position <= len(data) else None
    return None


def _jpeg_end(data: bytes) -> int | None:
    """The offset just after the JPEG's EOI marker, following the segment lengths and
    skipping each scan's entropy-coded data (where 0xFF is followed by 0x00 or a restart)."""
    position = 2
    while position + 1 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before a marker
            position += 1
        elif marker == 0xD9:
            return position + 2
        elif marker in _JPEG_STANDALONE:
            position += 2
        else:
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
            if marker == 0xDA:
                position = _scan_end(data, position)
    return None


def _scan_end(data: bytes, position: int) -> int:
    """Where the entropy-coded data starting at `position` ends: the next real marker."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return len(data)
        following = data[position + 1]
        if following != 0x00 and following not in _JPEG_STANDALONE:
            return position
        position += 2
