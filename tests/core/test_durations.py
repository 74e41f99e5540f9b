"""`--expires` lifetimes: a number and a unit, or `never`; at most two years."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gwctl.core.durations import MAX_LIFETIME, parse_lifetime


@pytest.mark.parametrize(
    ("typed", "lifetime"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("90d", timedelta(days=90)),
        ("52w", timedelta(weeks=52)),
        (" 90D ", timedelta(days=90)),
        ("730d", MAX_LIFETIME),
        ("1m", timedelta(minutes=1)),
    ],
)
def test_a_number_and_a_unit_is_a_lifetime(typed: str, lifetime: timedelta) -> None:
    assert parse_lifetime(typed) == lifetime


def test_never_is_no_lifetime_at_all() -> None:
    assert parse_lifetime("never") is None


def test_more_than_two_years_says_the_maximum() -> None:
    with pytest.raises(ValueError, match="'731d' is longer than the maximum of 730d"):
        parse_lifetime("731d")


def test_anything_else_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match=r"'3 months' is not a lifetime: use .* \(30m, 12h"):
        parse_lifetime("3 months")
