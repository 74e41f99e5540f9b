"""`gwctl verify`: prove, with one read-only request per account to its provider, that the
credentials in git are accepted, before they are applied.

Which accounts: the ones named, else every active one; with `changed`, only those whose
secret file is not the one the store last applied (the pull-request case). An inactive
account is verified only when named: it does not send, and its provider account may be
closed on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from gwctl.config.loader import LoadedAccount
from gwctl.config.settings import Settings
from gwctl.core.problems import ConfigError
from gwctl.core.verify_limits import ProbeLimits
from gwctl.errors import GwctlError
from gwctl.reconcile.desired import Progress, decrypt_credentials, live_of
from gwctl.reconcile.plan import secret_unchanged
from gwctl.reconcile.verification import (
    INACTIVE,
    Candidate,
    Skipped,
    VerifyReport,
    verify_candidates,
)
from gwctl.reconcile.workflow import StoreOpener, load_checked
from gwctl.remote.session import open_store

UNCHANGED = "secret file unchanged since the last apply"


@dataclass(frozen=True)
class VerifyRequest:
    keys: tuple[str, ...] = ()
    changed: bool = False
    limits: ProbeLimits = field(default_factory=ProbeLimits)


class UnknownAccount(GwctlError):
    """`gwctl verify KEY` for a key that has no file in gateways.d/."""


def verify_accounts(
    settings: Settings,
    request: VerifyRequest,
    *,
    progress: Callable[[int], Progress] | None = None,
    opener: StoreOpener = open_store,
) -> VerifyReport:
    """Select, decrypt (only what is verified), probe; the report holds every verdict."""
    config = load_checked(settings)
    accounts = {loaded.account.key: loaded for loaded in config.accounts}
    chosen, skipped = _chosen(accounts, request.keys)
    if request.changed:
        chosen, unchanged = _changed_only(settings, chosen, opener)
        skipped += unchanged
    credentials, problems = decrypt_credentials(chosen, progress)
    if problems:
        raise ConfigError(problems)
    candidates = [
        Candidate(loaded.account, loaded.provider, credentials[loaded.account.key])
        for loaded in chosen
    ]
    return verify_candidates(candidates, settings.verify_base_urls, request.limits, skipped)


def _chosen(
    accounts: Mapping[str, LoadedAccount], keys: Sequence[str]
) -> tuple[list[LoadedAccount], list[Skipped]]:
    if keys:
        unknown = [key for key in keys if key not in accounts]
        if unknown:
            raise UnknownAccount(
                f"no account {', '.join(repr(key) for key in unknown)} in gateways.d/; "
                f"accounts: {', '.join(sorted(accounts)) or 'none'}"
            )
        return [accounts[key] for key in dict.fromkeys(keys)], []
    chosen, skipped = [], []
    for key in sorted(accounts):
        if accounts[key].account.status == "inactive":
            skipped.append(Skipped(key, INACTIVE))
        else:
            chosen.append(accounts[key])
    return chosen, skipped


def _changed_only(
    settings: Settings, chosen: Sequence[LoadedAccount], opener: StoreOpener
) -> tuple[list[LoadedAccount], list[Skipped]]:
    """The accounts whose secret file is not the one the store recorded as applied."""
    with opener(settings, None) as client:
        live = {gateway["key"]: gateway for gateway in client.gateways()}
    changed, unchanged = [], []
    for loaded in chosen:
        if secret_unchanged(loaded.account, live_of(loaded, live)):
            unchanged.append(Skipped(loaded.account.key, UNCHANGED))
        else:
            changed.append(loaded)
    return changed, unchanged
