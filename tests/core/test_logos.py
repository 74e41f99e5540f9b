"""One logo rule for `gwctl validate`, the store's API and the page (gwctl.core.logos): a logo
decodes fully as the PNG or JPEG it claims to be, within size and pixel limits, with nothing
after the image's end and no HTML inside. The bad images are files in logos/ beside this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from gwctl.core.logos import MAX_LOGO_BYTES, logo_problem

LOGOS = Path(__file__).parent / "logos"
SHIPPED = Path(__file__).parents[2] / "gateways.d" / "logos"


def image(name: str) -> bytes:
    return (LOGOS / name).read_bytes()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (SHIPPED / "infobip.png", "image/png"),
        (SHIPPED / "twilio.png", "image/png"),
        (LOGOS / "good.jpg", "image/jpeg"),
        (LOGOS / "good-progressive.jpg", "image/jpeg"),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_a_good_png_or_jpeg_is_accepted(path: Path, content_type: str) -> None:
    assert logo_problem(path.read_bytes(), content_type) is None
    assert logo_problem(path.read_bytes()) is None


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("polyglot-png-html.png", "logo_trailing", "bytes after the end of the image (its IEND"),
        ("polyglot-jpeg-html.jpg", "logo_trailing", "bytes after the end of the image (its EOI"),
        ("trailing-bytes.png", "logo_trailing", "16 bytes after the end of the image"),
        ("html-in-png-text-chunk.png", "logo_markup", "carries HTML markup"),
        ("truncated.png", "logo_decode", "does not decode as a complete PNG image"),
        ("truncated.jpg", "logo_decode", "complete JPEG image"),
        (
            "decompression-bomb.png",
            "logo_pixels",
            "a decompression bomb (far more pixels than its bytes hold); at most 2048",
        ),
        ("wide-4096x16.png", "logo_pixels", "4096 × 16 pixels"),
        ("gif-named-png.png", "logo_type", "must be a PNG or JPEG image"),
    ],
)
def test_a_bad_image_is_refused_with_a_clear_message(name: str, code: str, words: str) -> None:
    problem = logo_problem(image(name))
    assert problem is not None
    assert (problem.code, words in problem.message) == (code, True), problem.message


def test_a_jpeg_sent_as_a_png_is_refused_as_a_mismatch() -> None:
    problem = logo_problem(image("good.jpg"), "image/png")
    assert problem is not None
    assert (problem.code, problem.message) == (
        "logo_mismatch",
        "the logo is a image/jpeg image, not image/png",
    )


def test_an_image_over_the_size_limit_is_refused_before_it_is_decoded() -> None:
    problem = logo_problem(image("good.jpg") + b"\0" * MAX_LOGO_BYTES)
    assert problem is not None
    assert problem.code == "logo_size"
    assert "at most 262144 (256 KiB)" in problem.message
