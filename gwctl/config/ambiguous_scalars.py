"""Plain YAML values that YAML 1.1 and YAML 1.2 read differently, the StrictYAML way: gwctl
(PyYAML) reads YAML 1.1, the editor's language server and most other tools YAML 1.2, and sops
read `0123` as octal. A value two tools read differently is a value someone gets wrong, so
such a value must be quoted (or written unambiguously)."""

from __future__ import annotations

import re

# (pattern, what the two YAML versions make of it, how to write it instead)
_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"),
        "YAML 1.1 reads it as true or false, YAML 1.2 as text",
        "write true or false, or quote it",
    ),
    (
        re.compile(r"^(True|TRUE|False|FALSE)$"),
        "booleans are written true or false",
        "write it in lower case, or quote it",
    ),
    (
        re.compile(r"^[-+]?0[0-9_]+$"),
        "YAML 1.1 reads a leading zero as octal (0123 is 83), YAML 1.2 as decimal",
        "quote it",
    ),
    (
        re.compile(r"^[-+]?0(b[01_]+|o[0-7_]+)$"),
        "binary and octal prefixes mean a number in one YAML version and text in the other",
        "quote it",
    ),
    (
        # a number to YAML 1.2; text to YAML 1.1, whose floats need a dot and a signed exponent
        re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(?!\.[0-9]*[eE][-+])(\.[0-9]*)?)[eE][-+]?[0-9]+$"),
        "YAML 1.2 reads it as a number, YAML 1.1 as text",
        "quote it, or write it as 1.0e+5",
    ),
    (
        re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$"),
        "YAML 1.1 reads it as a base-60 number (1:30 is 90), YAML 1.2 as text",
        "quote it",
    ),
    (
        re.compile(r"^[-+]?[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?$"),
        "YAML 1.1 ignores the underscores of a number, YAML 1.2 reads it as text",
        "quote it, or write the number without underscores",
    ),
)


def ambiguity(plain: str) -> str | None:
    """Why a plain (unquoted) scalar is ambiguous and how to write it; None if it is not."""
    for pattern, why, fix in _RULES:
        if pattern.match(plain):
            return f"{plain!r} is ambiguous: {why}; {fix} ('{plain}')"
    return None
