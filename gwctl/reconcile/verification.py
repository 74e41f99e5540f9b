"""Verdicts on credentials: probes built from accounts, run, and summed up in a report that
`gwctl verify` prints and `gwctl apply --verify` acts on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gwctl.core.model import Account, Secret
from gwctl.core.providers import Provider
from gwctl.core.verify_limits import ProbeLimits
from gwctl.core.verify_probe import Probe, ProbeResult, run_probes
from gwctl.errors import EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE, GwctlError
from gwctl.reconcile.plan import Desired, Plan

REFUSED = ("rejected", "suspended")
INACTIVE = "inactive: verified only when named (gwctl verify KEY)"


@dataclass(frozen=True, slots=True)
class Skipped:
    key: str
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    results: tuple[ProbeResult, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def refused(self) -> tuple[ProbeResult, ...]:
        return tuple(result for result in self.results if result.verdict in REFUSED)

    @property
    def unreachable(self) -> tuple[ProbeResult, ...]:
        return tuple(result for result in self.results if result.verdict == "unreachable")

    @property
    def all_verified(self) -> bool:
        return all(result.verdict == "verified" for result in self.results)

    @property
    def exit_code(self) -> int:
        """1 if any credential was refused, 3 if the only failures were unreachable."""
        if self.refused:
            return EXIT_ERROR
        return EXIT_UNREACHABLE if self.unreachable else EXIT_OK


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account to verify with its decrypted credentials."""

    account: Account
    provider: Provider
    credentials: Mapping[str, Secret]


class CredentialsNotVerified(GwctlError):
    """`apply --verify`: a credential about to be written was not proven; nothing applied."""

    def __init__(self, report: VerifyReport) -> None:
        lines = [
            f"  {result.key}: {result.verdict}: {result.reason}"
            for result in report.results
            if result.verdict != "verified"
        ]
        super().__init__(
            "nothing applied: these credentials were not verified by their provider\n"
            + "\n".join(lines)
            + "\nfix the secret files (or the provider account), or apply without --verify"
        )


def probe_for(candidate: Candidate, base_urls: Mapping[str, str]) -> Probe | Skipped:
    """The candidate's request, or why it has none (its provider declares no check)."""
    spec = candidate.provider.verify
    if spec is None:
        reason = f"provider {candidate.provider.id} declares no verification"
        return Skipped(candidate.account.key, reason)
    values = {name: secret.reveal() for name, secret in candidate.credentials.items()}
    request = spec.request_for(values, base_urls.get(candidate.provider.id))
    return Probe(candidate.account.key, candidate.provider.id, spec, request)


def verify_candidates(
    candidates: Iterable[Candidate],
    base_urls: Mapping[str, str],
    limits: ProbeLimits,
    skipped: Sequence[Skipped] = (),
) -> VerifyReport:
    """One probe per candidate whose provider declares `x-gwctl-verify`; the others are
    reported as skipped."""
    made = [probe_for(candidate, base_urls) for candidate in candidates]
    probes = [probe for probe in made if isinstance(probe, Probe)]
    not_verifiable = [skip for skip in made if isinstance(skip, Skipped)]
    results = run_probes(probes, limits) if probes else []
    return VerifyReport(tuple(results), (*skipped, *not_verifiable))


def verify_planned(
    plan: Plan, desired: Mapping[str, Desired], base_urls: Mapping[str, str], limits: ProbeLimits
) -> VerifyReport:
    """`apply --verify`: the accounts whose credentials the plan writes (created, or with a
    changed credential); inactive ones are skipped, as `gwctl verify` skips them."""
    candidates, skipped = [], []
    for change in plan.changes:
        item = desired.get(change.key)
        writes = change.action == "create" or any(f.sensitive for f in change.fields)
        if item is None or item.credentials is None or not writes:
            continue
        if item.account.status == "inactive":
            skipped.append(Skipped(change.key, INACTIVE))
            continue
        candidates.append(Candidate(item.account, item.provider, item.credentials))
    return verify_candidates(candidates, base_urls, limits, skipped)
