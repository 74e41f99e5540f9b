"""From a config directory and a store to a checked Plan: the steps `plan` and `apply` share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gwctl.config.loader import LoadedConfig, load_config
from gwctl.config.settings import Settings
from gwctl.core.problems import ConfigError
from gwctl.reconcile.desired import Progress, desired_state
from gwctl.reconcile.plan import Desired, Plan, diff, live_view, secrets_in_sync
from gwctl.remote.client import StoreClient


@dataclass(frozen=True)
class Planned:
    """A plan plus what it was computed from, so apply can act on exactly that."""

    plan: Plan
    desired: Mapping[str, Desired]
    live: Sequence[Mapping[str, Any]]


def load_checked(settings: Settings) -> LoadedConfig:
    """The config, fully validated: call it before opening the store, so a config with
    errors never reaches it."""
    config = load_config(settings.root)
    if not config.valid:
        raise ConfigError(config.problems)
    return config


def make_plan(
    settings: Settings,
    config: LoadedConfig,
    client: StoreClient,
    *,
    prune: bool | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> Planned:
    """Diff a validated config with the live store, decrypting only what must be compared."""
    accounts = {loaded.account.key: loaded.account for loaded in config.accounts}
    in_sync = secrets_in_sync(list(accounts.values()))
    live = [
        live_view(gateway, credentials=not in_sync(gateway), account=accounts.get(gateway["key"]))
        for gateway in client.gateways()
    ]
    desired, problems = desired_state(config.accounts, live, progress)
    if problems:
        raise ConfigError(problems)
    plan = diff(
        desired,
        live,
        prune=settings.prune if prune is None else prune,
        store=settings.store.describe(),
    )
    return Planned(plan, {item.account.key: item for item in desired}, live)
