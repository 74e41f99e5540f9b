"""Moments people type for `--since`: a date, or a date and time; read as UTC unless a zone
is given."""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_moment(text: str) -> datetime:
    """`2026-12-02` (that day's start, UTC), `2026-12-02T10:30` or `2026-12-02 10:30` (UTC),
    or with a zone (`...Z`, `...+01:00`). ValueError says what is accepted."""
    value = text.strip()
    try:
        if len(value) == len("2026-12-02"):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date or time: use 2026-12-02, 2026-12-02T10:30 (UTC) or "
            "2026-12-02T10:30:00+01:00"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """The moment in UTC, as the store's API takes it (`2026-12-02T10:30:00Z`)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
