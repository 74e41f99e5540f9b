"""The CI recipes `gwctl init --ci KIND` writes into a config repository, from package files."""

from __future__ import annotations

from importlib.resources import files

from gwctl import __version__

CI_KINDS = ("github", "gitlab")
VERSION_PLACEHOLDER = "@GWCTL_VERSION@"

# kind -> (destination in the user's repository, packaged file under gwctl/templates/ci/)
_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "github": ((".github/workflows/gateways.yaml", "github-workflow.yaml"),),
    "gitlab": ((".gitlab-ci.yml", "gitlab-ci.yaml"),),
}


def ci_files(kind: str) -> dict[str, str]:
    """The files of the `kind` recipe: relative destination path -> text, version filled in.

    ValueError for a kind not in CI_KINDS.
    """
    if kind not in _TEMPLATES:
        raise ValueError(f"unknown CI kind {kind!r} (known: {', '.join(CI_KINDS)})")
    folder = files("gwctl").joinpath("templates", "ci")
    return {
        destination: folder.joinpath(name)
        .read_text(encoding="utf-8")
        .replace(VERSION_PLACEHOLDER, __version__)
        for destination, name in _TEMPLATES[kind]
    }
