"""Lifetimes people type for `--expires`: `30m`, `12h`, `90d`, `52w`, or `never`; bounded."""

from __future__ import annotations

import re
from datetime import timedelta

NEVER = "never"
MAX_LIFETIME = timedelta(days=730)  # two years: longer-lived secrets are never rotated
_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_DURATION = re.compile(r"([1-9][0-9]{0,6})([mhdw])")
_ACCEPTED = "a whole number and a unit m, h, d or w (30m, 12h, 90d, 52w), or 'never'"


def parse_lifetime(text: str) -> timedelta | None:
    """The lifetime `text` names, None for `never`. ValueError says what is accepted and the
    maximum (two years, 730d)."""
    value = text.strip().lower()
    if value == NEVER:
        return None
    found = _DURATION.fullmatch(value)
    if found is None:
        raise ValueError(f"{text!r} is not a lifetime: use {_ACCEPTED}")
    lifetime = int(found[1]) * _UNITS[found[2]]
    if lifetime > MAX_LIFETIME:
        raise ValueError(
            f"{text!r} is longer than the maximum of {MAX_LIFETIME.days}d (two years): "
            "give a shorter lifetime and rotate the token before it ends"
        )
    return lifetime
