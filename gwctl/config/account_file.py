"""Writing an account file as a person would: the editor's schema line, then the fields.

`gwctl add` and `gwctl import` both write account files; the `$schema` line they start with
points at the editor's copies of the schemas in the same repository, made here if missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gwctl.config.editor_schemas import EDITOR_SCHEMA_DIR, editor_schema_texts, schema_comment


def account_file_text(provider: str, fields: Mapping[str, Any], note: str | None = None) -> str:
    """The file's text: `$schema` line, an optional comment, `provider` and the fields in the
    order given. PyYAML quotes any string another YAML reader could take for a number or a
    boolean ('0123', 'yes'), so each value reads back as written."""
    header = schema_comment(provider) + "\n" + (f"# {note}\n" if note else "")
    body = yaml.safe_dump({"provider": provider, **fields}, sort_keys=False, allow_unicode=True)
    return header + body


def ensure_editor_schemas(root: Path) -> list[str]:
    """Write the editor schemas that `schema_comment` lines point at and that are missing;
    never overwrite one (`gwctl schema --write` updates them). The paths written."""
    directory = root / EDITOR_SCHEMA_DIR
    written = []
    for name, text in editor_schema_texts().items():
        target = directory / name
        if not target.exists():
            directory.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(f"{EDITOR_SCHEMA_DIR}/{name}")
    return written
