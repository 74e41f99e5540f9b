"""`gwctl.yaml`: where the store is, per environment, and the reconciler's safety settings.

The token is never read from a file in git: `gwctl.yaml` names only the environment variable
that holds it (GWCTL_TOKEN by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gwctl.config.settings_reader import SettingsReader
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
_ENVIRONMENT_KEYS = {"store", "verify"}
_STORE_KEYS = {"url", "token_env"}
_SAFETY_KEYS = {"max_fraction", "min_existing"}


def load_settings(root: Path, environment: str | None = None) -> Settings:
    """Read `gwctl.yaml` (optional) and the environment; ConfigError on a bad file, with
    every problem of it."""
    path = root / CONFIG_FILE
    document = load_file(path, CONFIG_FILE) if path.is_file() else None
    return read_settings(root, document, environment)


def read_settings(root: Path, document: Document | None, environment: str | None) -> Settings:
    """The settings a loaded gwctl.yaml (None: no file) gives; ConfigError with every
    problem of it. What it accepts is what schema/gwctl.schema.json describes."""
    reader = SettingsReader(document)
    reader.section((), _TOP_KEYS, _token_hint)
    environments = _environments(reader)
    if environment is not None and environment not in environments:
        known = ", ".join(sorted(environments)) or "none defined"
        message = f"unknown environment '{environment}' (environments: {known})"
        raise ConfigError([Problem(CONFIG_FILE, 0, 0, message, "environment")])
    default_store = _store(reader, ("store",))
    safety_path = ("safety",)
    reader.section(safety_path, _SAFETY_KEYS)
    safety = Safety(
        max_fraction=reader.number((*safety_path, "max_fraction"), Safety.max_fraction, 0, 1),
        min_existing=reader.count((*safety_path, "min_existing"), Safety.min_existing),
    )
    prune = reader.boolean(("prune",), False)
    base_urls = verify_base_urls(reader, environment)
    if reader.problems:
        raise ConfigError(sorted(reader.problems))
    if environment is not None:
        store = environments[environment]
    else:
        override = os.environ.get(STORE_URL_ENV)
        store = StoreTarget(override, default_store.token_env) if override else default_store
    return Settings(root, store, prune, safety, base_urls)


def settings_problems(root: Path) -> list[Problem]:
    """What `gwctl validate` reports of gwctl.yaml: every environment checked."""
    try:
        load_settings(root)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def _environments(reader: SettingsReader) -> dict[str, StoreTarget]:
    """Every environment's store; one without a store URL is a problem: gwctl would
    otherwise reconcile it against a throwaway embedded store."""
    sections = reader.section(("environments",), None)
    targets = {}
    for name in sections:
        path = ("environments", name)
        reader.section(path, _ENVIRONMENT_KEYS, _token_hint)
        target = _store(reader, (*path, "store"), environment=name)
        malformed = sections[name] is not None and not isinstance(sections[name], dict)
        if not malformed and not reader.present((*path, "store", "url")):  # once per mistake
            reader.problem(
                path,
                f"environment '{name}' names no store: add store: {{url: https://...}} "
                "(without one gwctl would use a throwaway embedded store)",
                "missing_store",
            )
        targets[name] = target
    return targets


def _store(
    reader: SettingsReader, path: tuple[str, ...], environment: str = "default"
) -> StoreTarget:
    reader.section(path, _STORE_KEYS, _token_hint)
    url = reader.url((*path, "url"))
    token_env = reader.env_name((*path, "token_env"), TOKEN_ENV)
    return StoreTarget(url, token_env, environment)


def _token_hint(key: str) -> str:
    if key != "token":
        return ""
    return (
        " — tokens are never read from a file in git: put the token in the "
        "environment variable named by token_env"
    )
