"""Which characters a Gateway Name or Description may hold: the one rule `gwctl validate`, the
store's API and the web page apply (through `Provider.validate_account`).

Refused, each named with its code point, Unicode name and position ("U+202E RIGHT-TO-LEFT
OVERRIDE at position 9"):
- control characters (Cc; a Description may hold line breaks and tabs),
- format characters (Cf): zero-width spaces and joiners, the byte order mark, soft hyphens,
  and the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
  that make a name display in another order than it is stored,
- line and paragraph separators (Zl, Zp), lone surrogates (Cs) and private-use characters
  (Co), which display as nothing or as boxes,
- more than MAX_COMBINING_MARKS combining marks on one character ("e" with 63 accents stacked
  over it draws over the rows around it; real scripts need at most a few).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Final

MAX_COMBINING_MARKS: Final = 4
# Account fields held to the rule, and whether each may hold line breaks and tabs.
CHECKED_FIELDS: Final = {"name": False, "description": True}
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_LINE_CHARACTERS: Final = frozenset("\n\t")


def character_label(char: str) -> str:
    """ "U+202E RIGHT-TO-LEFT OVERRIDE": a character as a person can look it up."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


_CONTROL_NAMES: Final = {"\x00": "NULL", "\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` is refused, naming the first offending character and its 1-based position,
    or None when every character is allowed."""
    marks = 0
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES and not (multiline and char in _LINE_CHARACTERS):
            return (
                f"has {character_label(char)} at position {position}: control, invisible "
                "formatting and text-direction characters are not allowed; remove it"
            )
        marks = marks + 1 if category.startswith("M") else 0
        if marks > MAX_COMBINING_MARKS:
            start = max(position - marks, 1)
            return (
                f"has more than {MAX_COMBINING_MARKS} combining marks on the character at "
                f"position {start}: at most {MAX_COMBINING_MARKS} accents or other marks may "
                "stack on one character"
            )
    return None


def text_field_problems(account: Mapping[str, Any]) -> dict[str, str]:
    """The problem of each checked text field of an account (a mapping as in its file)."""
    found = {}
    for field, multiline in CHECKED_FIELDS.items():
        value = account.get(field)
        problem = text_problem(value, multiline=multiline) if isinstance(value, str) else None
        if problem is not None:
            found[field] = problem
    return found
