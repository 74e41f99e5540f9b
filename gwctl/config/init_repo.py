"""`gwctl init`: a new config repository that works from the first `gwctl add`.

It writes `gateways.d/`, `.sops.yaml` for the given age recipients, a commented `gwctl.yaml`,
a `.gitignore`, the editor's copies of the schemas and, on request, CI files. It never
overwrites: if any file it would write exists, it writes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gwctl.config.ci_templates import ci_files
from gwctl.config.editor_schemas import (
    EDITOR_SCHEMA_DIR,
    editor_schema_texts,
    settings_schema_comment,
)
from gwctl.config.fingerprint_key import create_fingerprint_key
from gwctl.config.layout import GATEWAYS_DIR
from gwctl.config.settings import CONFIG_FILE
from gwctl.core.private_dir import PRIVATE_DIR
from gwctl.errors import GwctlError


class InitRefused(GwctlError):
    """The repository cannot be made as asked; the message says why and what to do."""


SOPS_RULES = """\
# sops creation rules, written by `gwctl init`: who can decrypt the secret files.
# To add a teammate or CI, append their age public key (comma-separated), then run
#   sops updatekeys gateways.d/*.secret.yaml
creation_rules:
  - path_regex: gateways\\.d/[^/]+\\.secret\\.yaml$
    age: {recipients}
"""

SETTINGS = f"""\
{settings_schema_comment()}
# gwctl settings (see README: "Where the store is"; schema/gwctl.schema.json lists them all,
# and editors with the YAML language server complete and check them from it).
#
# With no store configured, gwctl uses the embedded store in .gwctl/ on this machine only.
# For the team's store, set its URL; the token is read from the environment variable named
# by token_env, never from this file.
#
# store:
#   url: https://gateways.example.com
#   token_env: GWCTL_TOKEN
#
# environments:
#   staging:    {{store: {{url: https://staging.example.com, token_env: GWCTL_STAGING_TOKEN}}}}
#   production: {{store: {{url: https://gateways.example.com, token_env: GWCTL_PROD_TOKEN}}}}

# Delete the accounts gwctl manages when their file is removed (or pass --prune).
prune: false

# Refuse plans that update or delete more than max_fraction of the managed accounts when
# at least min_existing exist, unless --force is given.
safety:
  max_fraction: 0.3
  min_existing: 10
"""

REPOSITORY_GITIGNORE = f"""\
# gwctl's embedded store: its database, credential key and token (the folder ignores itself too)
{PRIVATE_DIR}/
# saved plans: CI artifacts, not history
plan.json
plan.md
"""


def repository_files(recipients: Sequence[str], ci: Sequence[str]) -> dict[str, str]:
    """Every file `init` writes, by path relative to the repository root."""
    if not recipients:
        raise InitRefused("no age recipient: pass --age age1... (repeatable)")
    files = {
        ".sops.yaml": SOPS_RULES.format(recipients=",".join(recipients)),
        CONFIG_FILE: SETTINGS,
        ".gitignore": REPOSITORY_GITIGNORE,
    }
    files.update(
        {f"{EDITOR_SCHEMA_DIR}/{name}": text for name, text in editor_schema_texts().items()}
    )
    for kind in ci:
        files.update(ci_files(kind))
    return files


def init_repository(root: Path, recipients: Sequence[str], ci: Sequence[str] = ()) -> list[str]:
    """Write a new config repository into `root`; the paths written, `gateways.d/` first."""
    files = repository_files(recipients, ci)
    existing = sorted(path for path in files if (root / path).exists())
    if existing:
        raise InitRefused(
            f"{root}: already has {', '.join(existing)}; gwctl init never "
            "overwrites a file: move them away or run it in an empty folder"
        )
    (root / GATEWAYS_DIR).mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    key = create_fingerprint_key(root)  # encrypted by the .sops.yaml just written
    return [f"{GATEWAYS_DIR}/", *files, key.relative_to(root).as_posix()]
