"""When two Gateway Names are the same name: the one rule the CLI and the store both apply,
so that `gwctl validate` finds every clash the store would refuse."""

from __future__ import annotations

import unicodedata


def name_identity(name: str) -> str:
    """The form of a Gateway Name that must be unique: Unicode compatibility forms (NFKC:
    a full-width "Ｉ" is an "I"), case and runs of white space ignored ("infobip  ONE" is
    "Infobip One")."""
    composed = unicodedata.normalize("NFKC", name)
    return unicodedata.normalize("NFKC", " ".join(composed.split()).casefold())
