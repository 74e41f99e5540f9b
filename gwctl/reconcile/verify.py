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

from gwctl.config.credentials import Progress, decrypt_accounts
from gwctl.config.loader import LoadedAccount
from gwctl.config.settings import Settings
from gwctl.core.model import Secret
from gwctl.core.problems import ConfigError
from gwctl.core.verify_limits import ProbeLimits
from gwctl.core.verify_probe import HandOver, ProbeResult, run_probes_as_made
from gwctl.errors import GwctlError
from gwctl.reconcile.desired import live_of
from gwctl.reconcile.plan import secret_file_applied
from gwctl.reconcile.verification import INACTIVE, Candidate, Skipped, VerifyReport, probe_for
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
    results, not_verifiable = _decrypt_and_probe(settings, chosen, request, progress)
    return VerifyReport(results, (*skipped, *not_verifiable))


def _decrypt_and_probe(
    settings: Settings,
    chosen: Sequence[LoadedAccount],
    request: VerifyRequest,
    progress: Callable[[int], Progress] | None,
) -> tuple[tuple[ProbeResult, ...], list[Skipped]]:
    """Each account's request goes out as soon as its file is decrypted: the providers'
    answers are awaited while sops still decrypts the others. A file that cannot be
    decrypted, or holds invalid credentials, is a ConfigError (requests under way are
    cancelled); the results come in the accounts' order."""
    not_verifiable: list[Skipped] = []

    def make(hand_over: HandOver) -> None:
        def decrypted(loaded: LoadedAccount, credentials: dict[str, Secret]) -> None:
            candidate = Candidate(loaded.account, loaded.provider, credentials)
            made = probe_for(candidate, settings.verify_base_urls)
            if isinstance(made, Skipped):
                not_verifiable.append(made)
            else:
                hand_over(made)

        _, _, problems = decrypt_accounts(chosen, progress, each=decrypted)
        if problems:
            raise ConfigError(problems)

    results = run_probes_as_made(make, request.limits) if chosen else []
    order = {loaded.account.key: index for index, loaded in enumerate(chosen)}
    ordered = sorted(results, key=lambda result: order[result.key])
    return tuple(ordered), sorted(not_verifiable, key=lambda skip: order[skip.key])


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
        if secret_file_applied(loaded.account, live_of(loaded, live)):
            unchanged.append(Skipped(loaded.account.key, UNCHANGED))
        else:
            changed.append(loaded)
    return changed, unchanged
