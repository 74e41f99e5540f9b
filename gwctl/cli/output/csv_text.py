"""CSV for spreadsheets and auditors' tools, with every cell safe to open in a spreadsheet.

OWASP's CSV-injection rule: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return would be read by Excel, LibreOffice or Google Sheets as a formula (`=HYPERLINK(...)`,
`@SUM(...)`), so it is written with a leading `'`, which spreadsheets read as "text". A cell that
starts with `'` itself gets one too, so that a tool can undo it exactly: drop one leading `'`
from every cell that has one. Every other cell is written as it is; the csv module quotes what
needs quoting. Every CSV gwctl writes goes through `csv_table`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_PREFIXES = (*FORMULA_PREFIXES, "'")


def csv_cell(value: Any) -> str:
    """`value` as a CSV cell's text (None: empty), a formula prefix (or a `'`) behind a `'`."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_QUOTED_PREFIXES) else text


def csv_table(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header line of `columns`, then one line per row (its cells in that order)."""
    lines = [_line(columns), *(_line([row.get(column) for column in columns]) for row in rows)]
    return "\n".join(lines)


def _line(values: Iterable[Any]) -> str:
    """One CSV record, without its line end. The writer is told "\r\n" so that it quotes a cell
    holding either character (with "\n" alone it would leave a "\r" bare: a row break)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([csv_cell(value) for value in values])
    return out.getvalue().removesuffix("\r\n")
