"""Editor copies of gwctl's schemas in a config repository, and the check that they are current.

Account files begin with `# yaml-language-server: $schema=../schema/<provider>.schema.json`, and
gwctl.yaml with `# yaml-language-server: $schema=schema/gwctl.schema.json`, so editors using the
YAML language server complete and check them. The schemas ship inside the
gwctl package, which a config repository does not contain: `gwctl schema --write schema` copies
them into the repository's `schema/` folder, and `gwctl validate` warns when a copy is missing
or differs from the installed gwctl's.

A copy is the schema with gwctl's wording (`x-gwctl-message`) also under the keys the YAML
language server words its diagnostics with, so the editor says what gwctl says instead of
showing a raw regular expression. Validation is unchanged: those keys are annotations.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gwctl import __version__
from gwctl.config.loader import display_path
from gwctl.core.problems import WARNING, Problem
from gwctl.core.providers import (
    COMMON_SCHEMA,
    SETTINGS_SCHEMA,
    load_providers,
    read_schema_file,
    settings_schema,
)

EDITOR_SCHEMA_DIR = "schema"
WRITE_COMMAND = f"gwctl schema --write {EDITOR_SCHEMA_DIR}"
MESSAGE_KEY = "x-gwctl-message"

# Keywords whose values are data, not subschemas: copied as they are.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})

# yaml-language-server (src/languageservice/parser/schemaValidation/baseValidator.ts) words a
# failed `pattern` with `patternErrorMessage` (else `errorMessage`), and a failed `const` or
# `enum` with `errorMessage`; no key words a failed minLength or maxLength. `errorMessage`
# also replaces its "Incorrect type" message, so a subschema with a pattern gets only
# `patternErrorMessage`: a number where a string belongs then reads as a type error, as in gwctl.
_PATTERN_MESSAGE = "patternErrorMessage"
_MESSAGE = "errorMessage"

# How yaml-language-server finds the schema of a file (src/languageservice/services/
# modelineUtil.ts): the first header comment that is a modeline, and the $schema in it.
_MODELINE = re.compile(r"#\s+(?:yaml-language-server\s*:|\$schema:)")
_SCHEMA_REFERENCE = re.compile(r"\$schema(?:=|:[^\S\r\n]*)(\S+)")
_HEADER_BYTES = 8192  # the modeline is in the first lines: never read a whole large file


def editor_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `schema` in which every subschema with an `x-gwctl-message` also carries it
    under the keys the YAML language server shows for that subschema's failures."""
    copied: dict[str, Any] = _with_editor_messages(schema)
    return copied


def editor_schema_texts() -> dict[str, str]:
    """The installed gwctl's editor schemas as file contents, by file name."""
    return {
        name: json.dumps(editor_schema(_served(name)), indent=2, ensure_ascii=False) + "\n"
        for name in _schema_file_names()
    }


def write_editor_schemas(directory: Path) -> list[Path]:
    """Write the editor schemas into `directory` (created if needed); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in editor_schema_texts().items():
        target = directory / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def schema_comment(provider: str) -> str:
    """The first line of an account file in gateways.d/: where its editor finds its schema."""
    return f"# yaml-language-server: $schema=../{EDITOR_SCHEMA_DIR}/{provider}.schema.json"


def settings_schema_comment() -> str:
    """The first line of gwctl.yaml (at the repository root): where its editor finds its schema."""
    return f"# yaml-language-server: $schema={EDITOR_SCHEMA_DIR}/{SETTINGS_SCHEMA}"


def check_editor_schemas(root: Path, files: Iterable[Path]) -> list[Problem]:
    """Warnings about the editor schemas the modelines of `files` (the account files and
    gwctl.yaml) name: missing copies (at the modeline of the first file naming one) and
    copies that differ from the installed gwctl's (at the copy itself). Each copy is
    reported once; references to URLs, to files outside the repository and to schemas gwctl
    does not ship are left alone."""
    current = _current_copies()
    references: dict[str, _Reference] = {}
    for path in files:
        reference = _reference(root, path)
        name = posixpath.basename(reference.schema_file) if reference else None
        if reference is None or name not in current:
            continue
        references.setdefault(reference.schema_file, reference)
        if name != SETTINGS_SCHEMA:
            # the provider schemas `$ref` the shared one next to them: the editor needs it too
            common = posixpath.join(posixpath.dirname(reference.schema_file), COMMON_SCHEMA)
            references.setdefault(common, reference)
    problems = (
        _copy_problem(root, copy_path, reference, current[posixpath.basename(copy_path)])
        for copy_path, reference in references.items()
    )
    return sorted(problem for problem in problems if problem is not None)


@dataclass(frozen=True)
class _Reference:
    """Where an account file's modeline names an editor schema, and the copy it names."""

    account: str  # the account file (or gwctl.yaml), as displayed
    line: int
    column: int
    schema_file: str  # the file it names, relative to the repository root, with `/`


def _with_editor_messages(node: Any) -> Any:
    if isinstance(node, list):
        return [_with_editor_messages(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    # a mapping of names to subschemas (`properties`, `$defs`) is walked like a subschema:
    # its keys are never keywords that carry a message
    copied = {
        key: copy.deepcopy(value)
        if key in _DATA_KEYWORDS or key.startswith("x-")
        else _with_editor_messages(value)
        for key, value in node.items()
    }
    message = node.get(MESSAGE_KEY)
    if isinstance(message, str):
        copied.update(_message_keys(node, message))
    return copied


def _message_keys(subschema: Mapping[str, Any], message: str) -> dict[str, str]:
    standalone = _standalone(subschema, message)
    keys = {}
    if "pattern" in subschema:
        keys[_PATTERN_MESSAGE] = standalone
    if "const" in subschema or "enum" in subschema:
        keys[_MESSAGE] = standalone
    return keys


def _standalone(subschema: Mapping[str, Any], message: str) -> str:
    """The message as a sentence of its own. gwctl puts the field before it ("'name' (Gateway
    Name) must be ..."); in the editor the title does: "Gateway Name must be ..."."""
    title = subschema.get("title")
    return f"{title} {message}" if isinstance(title, str) else message[:1].upper() + message[1:]


def _schema_file_names() -> list[str]:
    providers = (f"{provider}.schema.json" for provider in load_providers())
    return [COMMON_SCHEMA, *providers, SETTINGS_SCHEMA]


def _served(name: str) -> Mapping[str, Any]:
    """A schema as gwctl serves it: gwctl.yaml's names every provider (settings_schema)."""
    return settings_schema() if name == SETTINGS_SCHEMA else read_schema_file(name)


def _current_copies() -> dict[str, tuple[Any, Any]]:
    """What a current copy holds, by file name: the editor schema, or the plain schema (this
    repository's own schema/ folder is the source the installed schemas come from)."""
    return {name: (editor_schema(_served(name)), _served(name)) for name in _schema_file_names()}


def _reference(root: Path, account_file: Path) -> _Reference | None:
    """The editor schema an account file's modeline names, if it names a file in the repo."""
    for number, line in enumerate(_header_comments(account_file), start=1):
        if not _MODELINE.match(line):
            continue
        found = _SCHEMA_REFERENCE.search(line)
        if found is None:
            return None  # the editor, too, looks no further than the first modeline
        target = found.group(1)
        if target.startswith(("http", "file:")) or posixpath.isabs(target):
            return None  # the editor fetches a URL; an absolute path is not in the repository
        account = display_path(root, account_file)
        relative = posixpath.normpath(
            posixpath.join(posixpath.dirname(account), target.partition("#")[0])
        )
        if relative.startswith("../"):
            return None
        return _Reference(account, number, found.start(1) + 1, relative)
    return None


def _header_comments(path: Path) -> list[str]:
    """The lines before a YAML file's content: its header comments and blank lines."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEADER_BYTES).decode("utf-8-sig", errors="replace")
    except OSError:
        return []  # the loader reports unreadable files
    comments = []
    for line in head.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        comments.append(line)
    return comments


def _copy_problem(
    root: Path, copy_path: str, reference: _Reference, current: tuple[Any, Any]
) -> Problem | None:
    path = root / copy_path
    checked = (
        "gwctl.yaml" if posixpath.basename(copy_path) == SETTINGS_SCHEMA else "the account files"
    )
    if not path.is_file():
        return Problem(
            reference.account,
            reference.line,
            reference.column,
            f"editor schema {copy_path} not found, so editors cannot complete or "
            f"check {checked}: run `{WRITE_COMMAND}` in the repository root",
            "editor_schema_missing",
            WARNING,
        )
    if _read_json(path) in current:
        return None
    return Problem(
        copy_path,
        1,
        1,
        f"this editor schema differs from the installed gwctl {__version__}'s, so "
        f"editors check {checked} by other rules than gwctl: run "
        f"`{WRITE_COMMAND}` in the repository root",
        "editor_schema_stale",
        WARNING,
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable or not JSON: not a current copy either
