"""When two Gateway Names are the same name: the one rule the CLI and the store both apply,
so that `gwctl validate` finds every clash the store would refuse; and the account key a
name suggests on the web page."""

from __future__ import annotations

import re
import unicodedata


def name_identity(name: str) -> str:
    """The form of a Gateway Name that must be unique: Unicode compatibility forms (NFKC:
    a full-width "Ｉ" is an "I"), case and runs of white space ignored ("infobip  ONE" is
    "Infobip One")."""
    composed = unicodedata.normalize("NFKC", name)
    return unicodedata.normalize("NFKC", " ".join(composed.split()).casefold())


_NOT_KEY_CHARACTERS = re.compile(r"[^a-z0-9]+")
KEY_MAX_LENGTH = 63


def key_from_name(name: str) -> str:
    """The account key a Gateway Name suggests ("Infobip I" → "infobip-i"; "" when the name
    has no letter or digit a key can hold): accents dropped, letters lowercased, every other
    run of characters one '-'. The page's static/account-key.js computes the same."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    key = _NOT_KEY_CHARACTERS.sub("-", plain.lower()).strip("-")
    return key[:KEY_MAX_LENGTH].rstrip("-")
