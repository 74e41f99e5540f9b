"""CSV cells (gwctl.cli.output.csv_text): OWASP's CSV-injection rule, and nothing more."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gwctl.cli.output.csv_text import FORMULA_PREFIXES, csv_cell, csv_table


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
    ],
)
def test_a_cell_starting_a_formula_gets_a_leading_quote(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize("value", ["alice", "a=b", " =1", "1-2", "", "infobip-eu"])
def test_any_other_cell_is_kept(value: str) -> None:
    assert csv_cell(value) == value


def test_a_cell_starting_with_a_quote_gets_one_more_so_a_tool_can_undo_it_exactly() -> None:
    assert [csv_cell("'=1"), csv_cell("'quoted")] == ["''=1", "''quoted"]


def test_none_is_an_empty_cell_and_numbers_are_their_digits() -> None:
    assert [csv_cell(None), csv_cell(7), csv_cell(-1)] == ["", "7", "'-1"]


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_a_table_reads_back_as_its_cells_and_no_cell_starts_a_formula(cells: list[str]) -> None:
    columns = [f"c{i}" for i in range(len(cells))]

    text = csv_table(columns, [dict(zip(columns, cells, strict=True))])
    [header, row] = csv.reader(io.StringIO(text, newline=""))

    assert header == columns
    assert [cell.removeprefix("'") for cell in row] == cells
    assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row)


def test_a_cell_holding_a_line_break_is_quoted_so_the_row_stays_one_row() -> None:
    assert csv_table(["a", "b"], [{"a": "x\ry", "b": "p\nq"}]) == 'a,b\n"x\ry","p\nq"'
