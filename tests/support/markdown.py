"""Markdown rendered the way a pull-request page does (CommonMark with raw HTML and GFM tables,
by markdown-it-py), and the HTML read back as what a reader sees: its tags, table rows, text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt

# Raw HTML passes through, as on GitHub and GitLab: an escaper that let any through would show.
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def render(markdown: str) -> str:
    """The HTML a CommonMark renderer with GFM tables makes of `markdown`."""
    html: str = _RENDERER.render(markdown)
    return html


@dataclass
class Rendered:
    """What a reader of the HTML sees: every tag (with its attributes), the text of each table
    body row's cells (`<br>` as a newline), and all the text."""

    tags: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen = Rendered()
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.tags.append(self.get_starttag_text() or tag)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.seen.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "br":
            self._data("\n")

    def handle_endtag(self, tag: str) -> None:
        self.seen.tags.append(f"</{tag}>")
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.seen.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_comment(self, data: str) -> None:
        self.seen.tags.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.seen.tags.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.seen.tags.append(f"<?{data}>")

    def handle_data(self, data: str) -> None:
        self._data(data)

    def _data(self, data: str) -> None:
        self.seen.text += data
        if self._cell is not None:
            self._cell.append(data)


def read_html(html: str) -> Rendered:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.seen
