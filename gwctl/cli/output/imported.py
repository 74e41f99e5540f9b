"""`gwctl import`: one line per account adopted, naming the files written for it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.reconcile.importer import Imported


def imported_text(imported: Imported) -> str:
    return f"imported {imported.key}: {', '.join(imported.files)}"


def imported_json(imported: Sequence[Imported]) -> str:
    return json.dumps([{"key": done.key, "files": list(done.files)} for done in imported], indent=2)
