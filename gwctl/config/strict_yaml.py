"""Strict YAML loading that keeps the line and column of every key and value.

Account files are reviewed by people and applied by machines, so anything YAML allows but a
reviewer could misread is refused: duplicate keys (octoDNS issue #89: a record silently lost),
several documents, anchors and aliases (billion-laughs bombs, values defined far away),
explicit tags, non-string keys, and anything that is not one mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events

from gwctl.config.ambiguous_scalars import ambiguity
from gwctl.core.problems import ConfigError, Problem

try:  # the C parser is several times faster; the pure-Python one behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
_STR_TAG = "tag:yaml.org,2002:str"

Path_ = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass(slots=True)
class Document:
    """A loaded YAML mapping plus where each of its keys and values stands in the file."""

    file: str
    data: dict[str, Any]
    value_positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)

    def position(self, path: Path_, *, prefer_key: bool = False) -> Position:
        """Line and column for a path; a missing value points at the nearest parent."""
        if prefer_key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.value_positions:
                return self.value_positions[path]
            path = path[:-1]
        return self.value_positions.get((), (1, 1))

    def problem(
        self, path: Path_, message: str, code: str = "invalid", *, prefer_key: bool = False
    ) -> Problem:
        line, column = self.position(path, prefer_key=prefer_key)
        return Problem(self.file, line, column, message, code)


def read_limited(path: Path, display: str) -> bytes:
    """The file's bytes, refusing files too large to be an account before reading them."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(
                display,
                1,
                1,
                f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
                " (1 MiB): account and secret files are a few lines",
                "too_large",
            )
        with path.open("rb") as handle:
            # read(MAX_FILE_BYTES + 1) at once would allocate 1 MiB for every small file:
            # read the size just seen plus one byte, and the rest only if it grew
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise _fail(display, 1, 1, f"cannot read file: {exc.strerror}", "unreadable") from None
    if len(data) > MAX_FILE_BYTES:  # grew while we looked
        raise _fail(display, 1, 1, "file is larger than 1 MiB", "too_large")
    return data


def load_file(path: Path, display: str) -> Document:
    """Load one YAML file strictly; raises ConfigError with located problems."""
    return load_bytes(read_limited(path, display), display)


def load_bytes(data: bytes, display: str) -> Document:
    text = _decode(data, display)
    builder = _Builder(display)
    try:
        loader = _Loader(text)  # what yaml.parse does, without a generator between
        try:
            while loader.check_event():
                event = loader.get_event()
                assert event is not None  # check_event said there is one
                builder.feed(event)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        # Only the parser's own words: its snippet of the source line could hold a secret.
        reason = exc.problem or exc.context or "invalid YAML"
        message = f"invalid YAML: {reason}{_context(exc)}"
        syntax = Problem(display, line, column, message, "yaml_syntax")
        raise ConfigError([*builder.problems, syntax]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, BEL...)
        line, column = _place(text, exc.position)
        raise _fail(
            display,
            line,
            column,
            f"invalid YAML: {exc.reason} (character U+{exc.character:04X}): remove it",
            "yaml_syntax",
        ) from None
    except yaml.YAMLError as exc:
        raise _fail(display, 1, 1, f"invalid YAML: {type(exc).__name__}", "yaml_syntax") from None
    return builder.finish()


def _decode(data: bytes, display: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _fail(
            display, line, column, "file is not valid UTF-8: save it as UTF-8", "encoding"
        ) from None
    return text.removeprefix("\ufeff")


def _context(exc: yaml.MarkedYAMLError) -> str:
    """Where the construct the parser gave up on began ("while scanning a quoted scalar"):
    an unclosed quote is reported at the end of the file, far from the quote to fix."""
    mark, problem_mark = exc.context_mark, exc.problem_mark
    if (
        not exc.context
        or mark is None
        or problem_mark is None
        or ((mark.line, mark.column) == (problem_mark.line, problem_mark.column))
    ):
        return ""
    return f" ({exc.context} started at line {mark.line + 1}, column {mark.column + 1})"


def _place(text: str, position: int) -> Position:
    """Line and column of a reader error's position: a byte offset of the UTF-8 text for
    the C parser, a character offset for the pure-Python one."""
    if _Loader.__name__.startswith("C"):
        before = text.encode("utf-8")[:position].decode("utf-8", "replace")
    else:  # pragma: no cover - depends on how PyYAML was built
        before = text[:position]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _fail(display: str, line: int, column: int, message: str, code: str) -> ConfigError:
    return ConfigError([Problem(display, line, column, message, code)])


def _position(event: events.Event) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


# The node events that are not aliases (an AliasEvent is a NodeEvent too)
_VALUE_EVENTS = (events.ScalarEvent, events.MappingStartEvent, events.SequenceStartEvent)


class _Builder:
    """Builds plain Python values from parser events, enforcing the strict rules."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.documents = 0
        self.stack: list[_Open] = []
        self.root: Any = None
        self.root_seen = False
        self.doc = Document(display, {})
        # problems after which the file can still be read to its end: all are reported
        self.problems: list[Problem] = []
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def feed(self, event: events.Event) -> None:
        if isinstance(event, _VALUE_EVENTS):  # most events: tested first
            self._node(event)
        elif isinstance(event, events.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._refuse(
                    event,
                    "more than one YAML document ('---'): keep one account per file",
                    "multiple_documents",
                )
        elif isinstance(event, events.AliasEvent):
            self._note(event, "aliases (*name) are not allowed: write the value out", "alias")
            self._attach(None, self._next_path(), _position(event))
        elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
            closed = self.stack.pop()
            self._attach(closed.value, closed.path, closed.position)

    def finish(self) -> Document:
        if self.problems:
            raise ConfigError(list(self.problems))
        if not self.root_seen or self.root is None:
            raise _fail(
                self.display,
                1,
                1,
                "file is empty: expected a mapping of fields (key: value)",
                "not_mapping",
            )
        if not isinstance(self.root, dict):
            raise _fail(
                self.display,
                1,
                1,
                f"expected a mapping of fields (key: value), not a {_kind(self.root)}",
                "not_mapping",
            )
        self.doc.data = self.root
        return self.doc

    def _node(self, event: events.ScalarEvent | events.CollectionStartEvent) -> None:
        if event.anchor is not None:
            self._note(event, "anchors (&name) are not allowed: write each value out", "anchor")
        tag = event.tag
        if tag is not None and (  # an explicit tag: on a collection, or not implied by style
            not isinstance(event, events.ScalarEvent) or not any(event.implicit)
        ):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self._note(
                event,
                f"explicit tags ({shown}) are not allowed: quote the value if it must be a string",
                "tag",
            )
        if len(self.stack) >= MAX_DEPTH:
            self._refuse(event, f"nesting deeper than {MAX_DEPTH} levels", "too_deep")
        parent = self.stack[-1] if self.stack else None
        expects_key = parent is not None and isinstance(parent.value, dict)
        if expects_key and parent is not None and parent.pending_key is None:
            if isinstance(event, events.ScalarEvent):
                self._key(event, parent)
                return
            self._refuse(event, "keys must be plain strings", "key_type")
        path = self._next_path()
        if isinstance(event, events.MappingStartEvent):
            self.stack.append(_Open({}, path, _position(event)))
        elif isinstance(event, events.SequenceStartEvent):
            self.stack.append(_Open([], path, _position(event)))
        elif isinstance(event, events.ScalarEvent):
            self._attach(self._construct(event), path, _position(event))

    def _key(self, event: events.ScalarEvent, parent: _Open) -> None:
        merge = event.value == "<<" and event.implicit[0]
        if merge:
            self._note(
                event,
                "YAML merge keys (<<) are not supported: write the fields out in this mapping",
                "merge_key",
            )
        key = event.value if merge else self._construct(event)
        if not isinstance(key, str):
            self._refuse(
                event, f"keys must be strings, not {_kind(key)}: quote the key", "key_type"
            )
        if key in parent.value:
            first_line, first_column = self.doc.key_positions[parent.path + (key,)]
            self._refuse(
                event,
                f"duplicate key '{key}' (first defined at line {first_line}, "
                f"column {first_column}): keep only one",
                "duplicate_key",
            )
        parent.pending_key = key
        self.doc.key_positions[parent.path + (key,)] = _position(event)

    def _construct(self, event: events.ScalarEvent) -> Any:
        if event.implicit == (False, True):  # quoted or block scalar: always a string
            return event.value
        if event.implicit[0] and (why := ambiguity(event.value)):
            self._note(event, why, "ambiguous")
            return event.value
        tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag == _STR_TAG:  # what SafeConstructor would return, without building a node
            return event.value
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError):
            self._refuse(event, "value cannot be read as YAML: quote it", "scalar")

    def _next_path(self) -> Path_:
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            return parent.path + (len(parent.value),)
        return parent.path + (str(parent.pending_key),)

    def _attach(self, value: Any, path: Path_, position: Position) -> None:
        self.doc.value_positions[path] = position
        if not self.stack:
            self.root, self.root_seen = value, True
            return
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            parent.value.append(value)
        else:
            parent.value[parent.pending_key] = value
            parent.pending_key = None

    def _note(self, event: events.Event, message: str, code: str) -> None:
        line, column = _position(event)
        self.problems.append(Problem(self.display, line, column, message, code))

    def _refuse(self, event: events.Event, message: str, code: str) -> Any:
        """A problem after which the file cannot be read on: it ends the load, with the
        problems noted before it."""
        self._note(event, message, code)
        raise ConfigError(list(self.problems))


@dataclass
class _Open:
    value: Any
    path: Path_
    position: Position
    pending_key: str | None = None


def _kind(value: Any) -> str:
    names = {
        dict: "mapping",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "empty value",
    }
    return names.get(type(value), type(value).__name__)
