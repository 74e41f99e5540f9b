"""Test connection: prove a stored gateway's credentials with its provider's check
(`x-gwctl-verify`), at most once per gateway per interval, audited as `connection_test`.

A test is three steps, so that no database transaction waits on the network:

1. claim, a short write transaction (it serializes with every writer of every store process
   on the database): the gateway's latest `connection_test` audit entry, and a test of it
   still under way, say whether it may be tested now; if so a claim row (`store_meta`)
   marks the test as under way and the credentials are decrypted, in memory only;
2. the check is sent (`gwctl.core.verify_probe.run_probes`), outside any transaction;
3. record, a second write transaction: the audit entry (actor, key, provider, host, verdict,
   reason, HTTP status; never a credential), and the claim row goes.

Credentials never leave this module except inside the request to the provider: they are not
logged, not returned, not audited. `verify_base_urls` sends a provider's checks elsewhere
(a regional Infobip host, a sandbox, a test server): `--verify-base-url PROVIDER=URL` or
GWCTL_VERIFY_BASE_URLS="infobip=https://x.api.infobip.com,twilio=http://127.0.0.1:9999".
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwctl.core.providers import Provider
from gwctl.core.verify_limits import ProbeLimits
from gwctl.core.verify_probe import Probe, ProbeResult, run_probes
from gwctl.core.verify_spec import check_base_url
from gwctl.store import audit
from gwctl.store.context import WriteContext
from gwctl.store.db import AuditRow, GatewayRow, MetaRow, write_transaction
from gwctl.store.errors import ApiError, StoreConfigError
from gwctl.store.gateways import find_row
from gwctl.store.models import AuditEntryOut
from gwctl.store.service import GatewayStore

log = logging.getLogger(__name__)

ACTION = "connection_test"
DEFAULT_INTERVAL = 10.0  # seconds between two tests of one gateway
# A person waits for the answer: one retry after a short Retry-After, no longer waits.
DEFAULT_LIMITS = ProbeLimits(jobs=1, timeout=10.0, max_attempts=2, max_retry_wait=5.0)
_CLAIM_PREFIX = "connection_test:"


class ConnectionTestThrottled(ApiError):
    """The gateway was tested (or is being tested) less than the interval ago."""

    code = "too_many_requests"
    status = 429

    def __init__(self, retry_after: int, interval: float) -> None:
        super().__init__(
            f"this gateway was tested less than {interval:g} seconds ago: "
            f"try again in {retry_after} s",
            [{"retry_after": retry_after}],
        )
        self.retry_after = retry_after


class ConnectionNotTestable(ApiError):
    """The gateway's provider declares no check, or its stored credentials cannot fill it."""

    code = "not_testable"
    status = 409


@dataclass(frozen=True)
class ConnectionTestResult:
    """What a test found, safe to show: no credential, the reason from the schema."""

    key: str
    name: str
    provider: str
    verdict: str  # verified | rejected | suspended | unreachable
    reason: str
    http_status: int | None
    host: str
    audit: AuditEntryOut

    @property
    def summary(self) -> str:
        """ "Infobip I: rejected — API key refused (UNAUTHORIZED) (HTTP 401)"."""
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        return f"{self.name}: {self.verdict} — {self.reason}{status}"


@dataclass(frozen=True)
class _Claim:
    key: str
    name: str
    claim_name: str
    started: str
    probe: Probe


class ConnectionTester:
    """Tests stored gateways' credentials for the web page (`app.state.connection_tests`)."""

    def __init__(
        self,
        store: GatewayStore,
        base_urls: Mapping[str, str] | None = None,
        *,
        interval: float = DEFAULT_INTERVAL,
        limits: ProbeLimits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.base_urls = check_base_urls(base_urls or {}, store.providers)
        self.interval = interval
        self.limits = limits
        # A claim older than the longest possible test belongs to a process that died
        # during its test: it no longer blocks.
        attempts = limits.max_attempts
        self._claim_lifetime = (
            attempts * limits.timeout + (attempts - 1) * limits.max_retry_wait + 5.0
        )

    def base_url(self, provider: Provider) -> str | None:
        """Where this provider's checks go; None if it declares no check."""
        if provider.verify is None:
            return None
        return self.base_urls.get(provider.id) or provider.verify.base_url

    def test(self, key: str, context: WriteContext) -> ConnectionTestResult:
        """Test gateway `key` now: NotFound, ConnectionNotTestable, or
        ConnectionTestThrottled (with `retry_after` seconds) when it may not be."""
        engine = self.store.engine
        claim = write_transaction(engine, lambda session: self._claim(session, key))
        try:
            [result] = run_probes([claim.probe], self.limits)
        except Exception as exc:  # recorded, not lost: the credentials may have been sent
            log.error("connection test of %s failed: %s", key, type(exc).__name__)
            result = ProbeResult(
                claim.key, claim.probe.provider, "unreachable", "the test failed in the store"
            )
        entry = write_transaction(
            engine, lambda session: self._record(session, claim, result, context)
        )
        log.info("connection test of %s by %s: %s", key, context.actor, result.verdict)
        return ConnectionTestResult(
            key=claim.key,
            name=claim.name,
            provider=claim.probe.provider,
            verdict=result.verdict,
            reason=result.reason,
            http_status=result.http_status,
            host=claim.probe.request.host,
            audit=entry,
        )

    # -- the two transactions ---------------------------------------------------------------

    def _claim(self, session: Session, key: str) -> _Claim:
        row = find_row(session, key)
        provider = self.store.providers.get(row.provider)
        if provider is None or provider.verify is None:
            company = provider.company_name if provider else row.provider
            raise ConnectionNotTestable(
                f"{company} declares no credential check, so this gateway cannot be tested"
            )
        claim_name = f"{_CLAIM_PREFIX}{row.id}"
        now = time.time()
        wait = self._wait(session, row, claim_name, now)
        if wait > 0:
            raise ConnectionTestThrottled(max(1, math.ceil(wait)), self.interval)
        credentials = self._credentials(row, provider)
        try:
            request = provider.verify.request_for(credentials, self.base_urls.get(provider.id))
        except KeyError:  # a required credential is not stored (only possible by hand)
            raise ConnectionNotTestable(
                "this gateway's stored credentials are incomplete, so it cannot be tested"
            ) from None
        started = f"{now:.6f}"
        claimed = session.get(MetaRow, claim_name)
        if claimed is None:
            session.add(MetaRow(name=claim_name, value=started))
        else:
            claimed.value = started
        probe = Probe(row.key, provider.id, provider.verify, request)
        return _Claim(row.key, row.name, claim_name, started, probe)

    def _wait(self, session: Session, row: GatewayRow, claim_name: str, now: float) -> float:
        """Seconds until the gateway may be tested again (<= 0: now)."""
        if self.interval <= 0:
            return 0.0
        waits = [0.0]
        last = session.scalar(
            select(AuditRow.at)
            .where(AuditRow.key == row.key, AuditRow.action == ACTION)
            .order_by(AuditRow.seq.desc())
            .limit(1)
        )
        if last is not None:
            # `at` is in whole seconds: one more makes the interval count from the real end
            waits.append(last.timestamp() + 1 + self.interval - now)
        claimed = session.get(MetaRow, claim_name)
        if claimed is not None:
            started = float(claimed.value)
            if now < started + self._claim_lifetime:  # a test under way in some process
                waits.append(max(1.0, started + self.interval - now))
        return max(waits)

    def _credentials(self, row: GatewayRow, provider: Provider) -> dict[str, str]:
        """The stored credentials by the provider's field names (each field fills a column)."""
        values = {}
        for field in provider.credentials:
            blob = getattr(row, field.column)
            if blob is not None:
                values[field.name] = self.store.cipher.decrypt(
                    blob, gateway_key=row.key, column=field.column
                )
        return values

    def _record(
        self, session: Session, claim: _Claim, result: ProbeResult, context: WriteContext
    ) -> AuditEntryOut:
        entry = audit.append(
            session,
            context,
            ACTION,
            claim.key,
            details={
                "provider": claim.probe.provider,
                "host": claim.probe.request.host,
                "verdict": result.verdict,
                "reason": result.reason,
                "http_status": result.http_status,
            },
        )
        claimed = session.get(MetaRow, claim.claim_name)
        if claimed is not None and claimed.value == claim.started:  # not a later test's claim
            session.delete(claimed)
        return entry


# -- where the checks go --------------------------------------------------------------------


def check_base_urls(
    base_urls: Mapping[str, str], providers: Mapping[str, Provider], source: str = "verify base URL"
) -> dict[str, str]:
    """`base_urls` checked: known provider ids, each URL one `check_base_url` accepts (the
    rule of gwctl.yaml's `verify.base_urls` too); StoreConfigError naming `source` and the
    provider otherwise.

    A message names the provider, never the URL: a URL can carry a password."""
    checked = {}
    for provider, url in base_urls.items():
        if provider not in providers:
            known = ", ".join(sorted(providers))
            raise StoreConfigError(f"{source}: unknown provider '{provider}'; known: {known}")
        reason = check_base_url(url)
        if reason is not None:
            raise StoreConfigError(f"{source} of {provider}: {reason}")
        checked[provider] = url
    return checked


def parse_base_urls(items: Iterable[str], source: str) -> dict[str, str]:
    """`PROVIDER=URL` items as a mapping (a later item wins); StoreConfigError otherwise."""
    urls = {}
    for item in items:
        provider, equals, url = item.strip().partition("=")
        if not equals or not provider.strip() or not url.strip():
            raise StoreConfigError(
                f"{source}: expected PROVIDER=URL, e.g. infobip=https://xxxxx.api.infobip.com"
            )
        urls[provider.strip()] = url.strip()
    return urls
