"""Markdown text escaping (gwctl.cli.output.markdown_text): any value, rendered by a CommonMark
renderer as a paragraph or a table cell, comes back as exactly that text, and never as markup."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gwctl.cli.output.markdown_text import md_code, md_text, visible
from tests.support.markdown import Rendered, read_html, render

# What a reader can see; line breaks and invisible characters are shown as `visible` says.
SEEN_AS_IS = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")) | st.just("\t")
)
HOSTILE = [
    "<!-- hides what follows",
    "-->",
    "<details><summary>nothing here</summary>",
    "</details>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "https://x.example/](javascript:alert(1))",
    "![img](http://x/y.png)",
    "a | b || c \\| d",
    "``` fenced ` span ``",
    "$\\phantom{hidden}$",
    "# heading",
    "1. item",
    "- item",
    "> quote",
    "    indented code",
    "*em* _em_ **strong** ~~struck~~",
    "&lt;entity&gt; &amp; &#60;",
    "\\",
    "trailing backslash \\",
    " padded\t",
    "\u00a0no-break\u3000",
]
TABLE_TAGS = ["<table>", "<thead>", "<tr>", "<th>", "</th>", "</tr>", "</thead>", "<tbody>"]


def as_paragraph(text: str) -> Rendered:
    return read_html(render(md_text(text) + "\n"))


def as_table_cell(text: str) -> Rendered:
    return read_html(render(f"| h |\n|---|\n| {md_text(text)} |\n"))


def assert_paragraph_of(seen: Rendered, text: str) -> None:
    if text:
        assert seen.tags == ["<p>", "</p>"]
        assert seen.text == text + "\n"
    else:
        assert (seen.tags, seen.text) == ([], "")


def assert_cell_of(seen: Rendered, text: str) -> None:
    body = ["<tr>", "<td>", "</td>", "</tr>", "</tbody>", "</table>"]
    assert seen.tags == [*TABLE_TAGS, *body]
    assert seen.rows == [[text]]


@settings(max_examples=800, deadline=None)
@given(SEEN_AS_IS)
@example("<!--")
@example("a\\|b")
def test_any_text_renders_as_itself_in_a_paragraph(text: str) -> None:
    assert_paragraph_of(as_paragraph(text), text)


@settings(max_examples=800, deadline=None)
@given(SEEN_AS_IS)
@example("|")
@example("\\|")
@example("` | `")
def test_any_text_renders_as_itself_in_a_table_cell(text: str) -> None:
    assert_cell_of(as_table_cell(text), text)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_text_with_line_breaks_and_invisible_characters_renders_as_visible_says(
    text: str,
) -> None:
    assert_paragraph_of(as_paragraph(text), visible(text))
    assert_cell_of(as_table_cell(text), visible(text))


@settings(max_examples=300, deadline=None)
@given(SEEN_AS_IS)
def test_visible_changes_no_text_a_reader_can_see(text: str) -> None:
    assert visible(text) == text


def test_each_hostile_value_is_shown_as_text() -> None:
    for text in HOSTILE:
        assert_paragraph_of(as_paragraph(text), text)
        assert_cell_of(as_table_cell(text), text)


def test_a_line_break_is_shown_and_cannot_end_a_table_row() -> None:
    text = "one\ntwo\r\nthree\r| new | row |"

    assert visible(text) == "one↵two↵three↵| new | row |"
    assert_cell_of(as_table_cell(text), visible(text))


def test_invisible_and_control_characters_are_named() -> None:
    assert visible("pay\u200bpal\u202egnp.exe\x00\x1b[31m") == (
        "pay⟨U+200B⟩pal⟨U+202E⟩gnp.exe⟨U+0000⟩⟨U+001B⟩[31m"
    )


def test_a_key_is_a_code_span_and_anything_else_is_escaped_text() -> None:
    assert md_code("infobip-eu") == "`infobip-eu`"
    assert read_html(render(md_code("infobip-eu"))).tags == ["<p>", "<code>", "</code>", "</p>"]
    for text in ("a`b", "a|b", "<!--", "a\nb", ""):
        assert md_code(text) == md_text(text)
