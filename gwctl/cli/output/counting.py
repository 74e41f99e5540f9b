"""Counts in words people read: "1 account", "2 accounts"."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """`number` and `noun`, plural unless it is one (nouns of this CLI take an s)."""
    return f"{number} {noun}{'s' if number != 1 else ''}"
