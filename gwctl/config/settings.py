"""`gwctl.yaml`: where the store is, per environment, and the reconciler's safety settings.

The token is never read from a file in git: `gwctl.yaml` names only the environment variable
that holds it (GWCTL_TOKEN by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gwctl.config.strict_yaml import Document, load_file
from gwctl.config.verify_settings import verify_base_urls
from gwctl.core.private_dir import PRIVATE_DIR
from gwctl.core.problems import ConfigError, Problem

CONFIG_FILE = "gwctl.yaml"
STORE_URL_ENV = "GWCTL_STORE_URL"
TOKEN_ENV = "GWCTL_TOKEN"  # noqa: S105 - the variable's name, not a token
EMBEDDED_DIR = PRIVATE_DIR


@dataclass(frozen=True)
class Safety:
    """Refuse plans that update or delete more than `max_fraction` of the managed accounts
    when at least `min_existing` exist (octoDNS' defaults)."""

    max_fraction: float = 0.3
    min_existing: int = 10


@dataclass(frozen=True)
class StoreTarget:
    """The store to reconcile against: a URL and its token, or the embedded default."""

    url: str | None  # None: the embedded store under <root>/.gwctl/
    token_env: str = TOKEN_ENV
    environment: str = "default"

    @property
    def embedded(self) -> bool:
        return self.url is None

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None

    def describe(self) -> str:
        if self.url is None:
            return f"embedded store ({EMBEDDED_DIR}/store.sqlite3)"
        return f"{self.url} (environment {self.environment})"


@dataclass(frozen=True)
class Settings:
    root: Path
    store: StoreTarget
    prune: bool = False
    safety: Safety = field(default_factory=Safety)
    # `gwctl verify`: a provider's base URL instead of its schema's (gwctl.config.verify_settings)
    verify_base_urls: Mapping[str, str] = field(default_factory=dict)


_TOP_KEYS = {"store", "prune", "safety", "environments", "verify"}
_STORE_KEYS = {"url", "token_env"}
_SAFETY_KEYS = {"max_fraction", "min_existing"}


def load_settings(root: Path, environment: str | None = None) -> Settings:
    """Read `gwctl.yaml` (optional) and the environment; ConfigError on a bad file."""
    path = root / CONFIG_FILE
    document = load_file(path, CONFIG_FILE) if path.is_file() else None
    data: dict[str, Any] = document.data if document else {}
    problems: list[Problem] = []
    if document is not None:
        problems += _unknown_keys(document, (), data, _TOP_KEYS)
    section = data.get("store") or {}
    if environment is not None:
        environments = data.get("environments") or {}
        if environment not in environments:
            known = ", ".join(sorted(environments)) or "none defined"
            raise ConfigError(
                [
                    Problem(
                        CONFIG_FILE,
                        0,
                        0,
                        f"unknown environment '{environment}' (environments: {known})",
                        "environment",
                    )
                ]
            )
        section = (environments[environment] or {}).get("store") or {}
        if document is not None:
            problems += _unknown_keys(
                document, ("environments", environment, "store"), section, _STORE_KEYS
            )
    elif document is not None:
        problems += _unknown_keys(document, ("store",), section, _STORE_KEYS)
    safety = data.get("safety") or {}
    if document is not None:
        problems += _unknown_keys(document, ("safety",), safety, _SAFETY_KEYS)
    base_urls, verify_problems = verify_base_urls(document, environment)
    problems += verify_problems
    if problems:
        raise ConfigError(problems)
    url = os.environ.get(STORE_URL_ENV) if environment is None else None
    return Settings(
        root=root,
        store=StoreTarget(
            url=(url or section.get("url") or None),
            token_env=str(section.get("token_env") or TOKEN_ENV),
            environment=environment or "default",
        ),
        prune=bool(data.get("prune", False)),
        safety=Safety(
            max_fraction=float(safety.get("max_fraction", Safety.max_fraction)),
            min_existing=int(safety.get("min_existing", Safety.min_existing)),
        ),
        verify_base_urls=base_urls,
    )


def _unknown_keys(
    document: Document, path: tuple[str, ...], section: Any, allowed: set[str]
) -> list[Problem]:
    if not isinstance(section, dict):
        return [document.problem(path, "expected a mapping", "type")]
    problems = []
    for key in sorted(set(section) - allowed):
        hint = (
            (
                " — tokens are never read from a file in git: put the token in the "
                "environment variable named by token_env"
            )
            if key == "token"
            else ""
        )
        problems.append(
            document.problem(
                path + (key,),
                f"unknown setting '{key}'; allowed: {', '.join(sorted(allowed))}{hint}",
                "unknown_field",
                prefer_key=True,
            )
        )
    return problems
