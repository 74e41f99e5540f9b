"""`gwctl schema`: one schema file's JSON, or every file's keyed by its name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def render_schemas(schemas: Mapping[str, Mapping[str, Any]], *, keyed: bool) -> str:
    """The JSON of the files in `schemas`; keyed by file name, or (one file) the schema alone."""
    document = dict(schemas) if keyed else next(iter(schemas.values()))
    return json.dumps(document, indent=2, ensure_ascii=False)
