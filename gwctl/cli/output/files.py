"""The files a command wrote (`init`, `add`, `schema --write`): one line each."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike


def written_files(paths: Iterable[str | PathLike[str]], verb: str = "created") -> list[str]:
    return [f"{verb} {path}" for path in paths]
