"""A stopped clock for the store's token checks: tests move it forward instead of waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from gwctl.store.db import now_utc


class Clock:
    """The store's clock for tokens, stopped at a whole second and moved by tests only."""

    def __init__(self) -> None:
        self.current = now_utc()

    def now(self) -> datetime:
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by
