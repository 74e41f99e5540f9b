"""The plan and apply workflows: config to checked Plan, and a Plan to an applied changeset.

No terminal code: a `Console` given by the caller shows the plan, asks for confirmation, says
that the lock is busy and advances a progress bar. The store is opened through a
`StoreOpener` (by default the configured store), after the config has passed its checks, so
a config with errors never reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

from gwctl.config.credentials import Progress
from gwctl.config.fingerprint_key import key_path, load_fingerprint_key
from gwctl.config.loader import LoadedConfig, load_config
from gwctl.config.provenance import uncommitted
from gwctl.config.settings import Settings
from gwctl.core.problems import ConfigError
from gwctl.core.verify_limits import ProbeLimits
from gwctl.core.views import ChangesetResult, PlanFile
from gwctl.errors import GwctlError
from gwctl.reconcile.apply import apply_lock, check_still_current, execute, read_saved_plan
from gwctl.reconcile.audit_check import save_checkpoint
from gwctl.reconcile.desired import desired_state
from gwctl.reconcile.plan import Desired, LiveGateway, Plan, diff, live_view, secrets_in_sync
from gwctl.reconcile.safety import check_plan
from gwctl.reconcile.verification import CredentialsNotVerified, VerifyReport, verify_planned
from gwctl.remote.client import Lock, StoreClient
from gwctl.remote.session import open_store

StoreOpener = Callable[[Settings, str | None], AbstractContextManager[StoreClient]]
APPLY_QUESTION = "Apply these changes?"


class Console(Protocol):
    """How a workflow talks to the person running it."""

    def progress(self, total: int) -> Progress:
        """A callback advanced by one per secret file decrypted, of `total`."""

    def show(self, plan: Plan) -> None:
        """The plan, before it is checked for safety and applied."""

    def confirm(self, question: str) -> bool:
        """Whether to go on; asked before an apply that has no saved plan nor approval."""

    def waiting(self, holder: str) -> None:
        """The apply lock is held by `holder`: the workflow waits and tries again."""


@dataclass(frozen=True)
class Planned:
    """A plan plus what it was computed from, so apply can act on exactly that."""

    plan: Plan
    desired: Mapping[str, Desired]
    live: Sequence[LiveGateway]


@dataclass(frozen=True)
class ApplyRequest:
    """What `gwctl apply` was asked: a saved plan to apply exactly, or a fresh plan."""

    saved_plan: Path | None = None
    auto_approve: bool = False
    prune: bool | None = None  # None: gwctl.yaml's; a saved plan keeps its own
    force: bool = False
    lock_timeout: float = 0.0
    lock_ttl: int = 60
    verify: bool = False  # prove the credentials it writes with their providers first
    require_clean: bool = False  # refuse config files that differ from the last commit
    checkpoint_out: Path | None = None  # save the store's signed checkpoint after the apply


@dataclass(frozen=True)
class Applied:
    plan: Plan
    outcome: Literal["no changes", "declined", "applied"]
    result: ChangesetResult | None = None  # the store's answer, once applied
    verification: VerifyReport | None = None  # apply --verify: the credentials it proved


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
    fingerprinted = key_path(settings.root).is_file()
    in_sync = secrets_in_sync(list(accounts.values()), fingerprinted=fingerprinted)
    live = [
        live_view(gateway, credentials=not in_sync(gateway), account=accounts.get(gateway["key"]))
        for gateway in client.gateways()
    ]
    desired, problems = desired_state(
        config.accounts, live, progress, partial(load_fingerprint_key, settings.root)
    )
    if problems:
        raise ConfigError(problems)
    plan = diff(
        desired,
        live,
        prune=settings.prune if prune is None else prune,
        store=settings.store.describe(),
    )
    return Planned(plan, {item.account.key: item for item in desired}, live)


def plan_changes(
    settings: Settings,
    console: Console,
    *,
    prune: bool | None = None,
    force: bool = False,
    opener: StoreOpener = open_store,
) -> Planned:
    """`gwctl plan`: the plan, shown, then refused (PlanRefused) if it is unsafe."""
    config = load_checked(settings)
    with opener(settings, None) as client:
        planned = make_plan(settings, config, client, prune=prune, progress=console.progress)
    console.show(planned.plan)
    check_plan(planned.plan, planned.live, settings.safety, force=force)
    return planned


def apply_changes(
    settings: Settings,
    request: ApplyRequest,
    console: Console,
    *,
    opener: StoreOpener = open_store,
) -> Applied:
    """`gwctl apply`: under the store's lock, plan afresh; refuse a saved plan the files or
    the store moved away from (StalePlan) and an unsafe plan (PlanRefused) before writing
    anything; then, once approved, apply it as one changeset."""
    if request.require_clean:
        refuse_uncommitted(settings.root)
    saved = read_saved_plan(request.saved_plan) if request.saved_plan else None
    prune = saved["prune"] if saved else request.prune  # a saved plan: exactly what was reviewed
    config = load_checked(settings)
    with (
        opener(settings, saved["plan_id"] if saved else None) as client,
        apply_lock(
            client,
            reason="gwctl apply",
            ttl_seconds=request.lock_ttl,
            timeout=request.lock_timeout,
            waiting=console.waiting,
        ) as lock,
    ):
        planned = make_plan(settings, config, client, prune=prune, progress=console.progress)
        applied = _apply_checked(settings, request, console, saved, planned, client, lock)
        if request.checkpoint_out is not None:  # a witness of the log outside the store
            save_checkpoint(client, request.checkpoint_out)
        return applied


def _apply_checked(
    settings: Settings,
    request: ApplyRequest,
    console: Console,
    saved: PlanFile | None,
    planned: Planned,
    client: StoreClient,
    lock: Lock,
) -> Applied:
    if saved is not None:
        check_still_current(saved, planned.plan)
    console.show(planned.plan)
    check_plan(planned.plan, planned.live, settings.safety, force=request.force)
    if not planned.plan.has_changes:
        return Applied(planned.plan, "no changes")
    verification = _verified(settings, request, planned)
    approved = saved is not None or request.auto_approve or console.confirm(APPLY_QUESTION)
    if not approved:
        return Applied(planned.plan, "declined", verification=verification)
    result = execute(client, planned.plan, planned.desired, lock)
    return Applied(planned.plan, "applied", result, verification)


class UncommittedChanges(GwctlError):
    """`apply --require-clean` in a working tree whose config differs from its commit."""


def refuse_uncommitted(root: Path) -> None:
    """UncommittedChanges unless the config files are exactly the last commit's: what is
    applied is then exactly what the audit log's commit holds."""
    changed = uncommitted(root)
    if changed is None:
        raise UncommittedChanges(
            f"nothing applied: {root} is not a git working tree, so --require-clean cannot "
            "tell what is committed: apply from a clone, or without --require-clean"
        )
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise UncommittedChanges(
            f"nothing applied: config files differ from the last commit ({shown}): commit "
            "them (or discard them), or apply without --require-clean"
        )


def _verified(settings: Settings, request: ApplyRequest, planned: Planned) -> VerifyReport | None:
    """`apply --verify`: prove the credentials the plan writes before asking to apply;
    CredentialsNotVerified (nothing written) unless every one of them is verified."""
    if not request.verify:
        return None
    report = verify_planned(planned.plan, planned.desired, settings.verify_base_urls, ProbeLimits())
    if not report.all_verified:
        raise CredentialsNotVerified(report)
    return report
