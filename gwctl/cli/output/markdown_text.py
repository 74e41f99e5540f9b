"""Text from files and the store, escaped for Markdown so that it renders as exactly that text.

Every Markdown renderer passes each value that is not its own words through `md_text` (keys may
go through `md_code`). Nothing in a value is interpreted: HTML and comment markers (`<!--`,
`<details>`, `<img>`), links and images (`[x](javascript:...)`), emphasis, code spans, math
(`$...$`), headings, lists and table pipes are shown as the characters they are, so a value
cannot hide, fold or restyle what follows it. What a rendered page could not show is made
visible: a line break is `↵` (it would end a table row), an invisible or control character is
`⟨U+XXXX⟩` (a zero-width space in a URL, a right-to-left override), and whitespace at either end
is kept (a renderer would trim it).
"""

from __future__ import annotations

import re
import string
import unicodedata

LINE_BREAK = "↵"
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# Categories a reader cannot see: controls, format characters (zero-width, bidi), surrogates,
# line and paragraph separators. A tab is whitespace, shown as such.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# ASCII punctuation that opens or closes no CommonMark/GFM construct anywhere in a line; every
# other ASCII punctuation character is backslash-escaped (CommonMark: always a literal then).
_PLAIN = frozenset(",/:;\"'=?%")
_BACKSLASHED = frozenset(string.punctuation) - _PLAIN - set(_ENTITIES)
_CODE_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def visible(text: str) -> str:
    """`text` with line breaks as `↵` and invisible characters as `⟨U+XXXX⟩`: what the
    rendered Markdown shows of it."""
    text = _LINE_BREAKS.sub(LINE_BREAK, text)
    return "".join(
        f"⟨U+{ord(ch):04X}⟩" if ch != "\t" and unicodedata.category(ch) in _INVISIBLE else ch
        for ch in text
    )


def md_text(text: str) -> str:
    """Markdown source (for a paragraph or a table cell) that renders as `visible(text)`."""
    shown = visible(text)
    start = len(shown) - len(shown.lstrip())
    end = max(start, len(shown.rstrip()))
    body = "".join(_escape(ch) for ch in shown[start:end])
    return _entities(shown[:start]) + body + _entities(shown[end:])


def md_code(text: str) -> str:
    """A code span for a key-like value (letters, digits, `.`, `_`, `-`); anything else, which
    a code span could not hold safely (backticks, pipes, line breaks), as `md_text`."""
    return f"`{text}`" if _CODE_SAFE.fullmatch(text) else md_text(text)


def _escape(ch: str) -> str:
    if ch in _ENTITIES:
        return _ENTITIES[ch]
    return f"\\{ch}" if ch in _BACKSLASHED else ch


def _entities(whitespace: str) -> str:
    """Whitespace at an end of the text as character references, which no renderer trims."""
    return "".join(f"&#{ord(ch)};" for ch in whitespace)
