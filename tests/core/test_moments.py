"""`--since` moments: dates and times people type, read as UTC unless a zone is given."""

from __future__ import annotations

import pytest

from gwctl.core.moments import parse_moment, rfc3339


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("2026-12-02", "2026-12-02T00:00:00Z"),
        ("2026-12-02T10:30", "2026-12-02T10:30:00Z"),
        ("2026-12-02 10:30:05", "2026-12-02T10:30:05Z"),
        ("2026-12-02T10:30:00+01:00", "2026-12-02T09:30:00Z"),
        ("2026-12-02T10:30:00Z", "2026-12-02T10:30:00Z"),
    ],
)
def test_a_date_or_time_is_read_as_utc_unless_it_has_a_zone(typed: str, moment: str) -> None:
    assert rfc3339(parse_moment(typed)) == moment


def test_anything_else_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="'yesterday' is not a date or time: use 2026-12-02"):
        parse_moment("yesterday")
