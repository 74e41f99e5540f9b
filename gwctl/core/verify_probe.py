"""Sending credential checks to providers: each account's one request, a bounded number at
a time, each within a deadline, a 429 retried after its `Retry-After`.

The verdict of a failure to get an answer is "unreachable" with a reason named by the kind
of failure (DNS, TLS, timeout, connection): never an exception's text, which can carry the
URL and so a credential in its path or query.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import socket
import ssl
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from gwctl.core.verify_limits import ProbeLimits
from gwctl.core.verify_spec import Judgement, ProbeRequest, VerifySpec

MAX_BODY_BYTES = 64 * 1024  # enough for any verdict; a larger answer is not read further
USER_AGENT = "gwctl-verify"


@dataclass(frozen=True, slots=True)
class Probe:
    """One account to check: its key, its provider's spec and the filled-in request."""

    key: str
    provider: str
    spec: VerifySpec
    request: ProbeRequest


@dataclass(frozen=True, slots=True)
class ProbeResult:
    key: str
    provider: str
    verdict: str
    reason: str
    http_status: int | None = None
    attempts: int = 1
    host: str = ""  # where the credentials were sent: gwctl.yaml may point a provider elsewhere


HandOver = Callable[[Probe], None]


def run_probes(probes: Sequence[Probe], limits: ProbeLimits | None = None) -> list[ProbeResult]:
    """Every probe's result, in the order given (blocking; call it where no event loop runs)."""

    def make(hand_over: HandOver) -> None:
        for probe in probes:
            hand_over(probe)

    return run_probes_as_made(make, limits)


def run_probes_as_made(
    make: Callable[[HandOver], None], limits: ProbeLimits | None = None
) -> list[ProbeResult]:
    """Run `make(hand_over)` in a thread and send each probe it hands over at once, so that
    making probes (decrypting credentials) and waiting on providers overlap. Results come
    in the order the probes were handed over. An exception of `make` is raised once the
    requests already under way have been cancelled."""
    return _run_to_completion(_as_made(make, limits or ProbeLimits()))


def _run_to_completion(work: Coroutine[None, None, list[ProbeResult]]) -> list[ProbeResult]:
    """asyncio.run, also where this thread already runs an event loop (a host application,
    Playwright's sync API in a test): there the loop gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gwctl-verify") as pool:
        return pool.submit(asyncio.run, work).result()


async def _as_made(make: Callable[[HandOver], None], limits: ProbeLimits) -> list[ProbeResult]:
    loop = asyncio.get_running_loop()
    made: asyncio.Queue[Probe | None] = asyncio.Queue()

    making: asyncio.Future[None] = loop.create_future()

    def hand_over(probe: Probe) -> None:
        loop.call_soon_threadsafe(made.put_nowait, probe)

    def maker() -> None:
        failure: BaseException | None = None
        try:
            make(hand_over)
        except BaseException as exc:  # raised in the loop's thread, by `await making`
            failure = exc
        _tell(loop, _settle, making, failure)
        _tell(loop, made.put_nowait, None)  # no more probes

    # A daemon thread, not the loop's executor: after Ctrl-C, asyncio.run would wait for it
    # to decrypt every file left.
    threading.Thread(target=maker, name="gwctl-verify-make", daemon=True).start()
    gate = asyncio.Semaphore(limits.jobs)
    async with _client(limits) as client:

        async def one(probe: Probe) -> ProbeResult:
            async with gate:
                return await _probe(client, probe, limits)

        tasks = []
        while (probe := await made.get()) is not None:
            tasks.append(asyncio.create_task(one(probe)))
        try:
            await making
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return list(await asyncio.gather(*tasks))


def _tell(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: object) -> None:
    """Run `callback(*args)` in the loop's thread, unless the loop is gone (interrupted)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _settle(future: asyncio.Future[None], failure: BaseException | None) -> None:
    if future.done():
        return
    if failure is None:
        future.set_result(None)
    else:
        future.set_exception(failure)


def _client(limits: ProbeLimits) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=limits.jobs, max_keepalive_connections=limits.jobs),
        timeout=httpx.Timeout(limits.timeout),
        follow_redirects=False,  # a redirect could carry the credentials elsewhere
        headers={"User-Agent": USER_AGENT},
    )


async def _probe(client: httpx.AsyncClient, probe: Probe, limits: ProbeLimits) -> ProbeResult:
    attempt = 0
    while True:
        attempt += 1
        try:
            async with asyncio.timeout(limits.timeout):
                status, headers, body = await _send(client, probe.request)
        except (TimeoutError, httpx.TimeoutException):
            return _unreachable(probe, f"timeout: no answer within {limits.timeout:g} s", attempt)
        except httpx.HTTPError as exc:
            return _unreachable(probe, _transport_reason(exc, probe.request.host), attempt)
        if status != 429:
            judged = probe.spec.judge(status, body)
            return _result(probe, judged, status, attempt)
        wait = retry_after_seconds(headers.get("retry-after"))
        if attempt >= limits.max_attempts or wait > limits.max_retry_wait:
            reason = f"rate limited (HTTP 429) after {attempt} attempts"
            if wait > limits.max_retry_wait:
                reason = f"rate limited (HTTP 429): the provider asks to retry in {wait:.0f} s"
            host = probe.request.host
            return ProbeResult(probe.key, probe.provider, "unreachable", reason, 429, attempt, host)
        await asyncio.sleep(wait)


async def _send(
    client: httpx.AsyncClient, request: ProbeRequest
) -> tuple[int, Mapping[str, str], bytes]:
    async with client.stream(
        request.method,
        request.url,
        params=dict(request.query) or None,
        data=dict(request.form) or None,
        headers=dict(request.headers),
        auth=request.basic_auth,
    ) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= MAX_BODY_BYTES:
                break
        return response.status_code, response.headers, bytes(body[:MAX_BODY_BYTES])


def retry_after_seconds(value: str | None, now: float | None = None) -> float:
    """Seconds a `Retry-After` header asks to wait (delay-seconds or an HTTP date);
    1 s when it is absent or unreadable."""
    if value is None:
        return 1.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    return max(0.0, (when - current).total_seconds())


def _transport_reason(exc: BaseException, host: str) -> str:
    """What kept the request from an answer, named by the exceptions' types only."""
    causes = _chain(exc)
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return f"DNS: cannot resolve {host}"
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        return f"TLS: the certificate of {host} is not trusted"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return f"TLS: the secure connection to {host} failed"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return f"connection refused by {host}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} closed the connection without a valid answer"
    # httpx words some failures only in text (its TLS errors among them): read the
    # text to classify, never to show
    text = " ".join(str(cause) for cause in causes).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return f"DNS: cannot resolve {host}"
    if "certificate" in text or "ssl" in text or "tls" in text:
        return f"TLS: the secure connection to {host} failed"
    return f"cannot connect to {host}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _unreachable(probe: Probe, reason: str, attempts: int) -> ProbeResult:
    host = probe.request.host
    return ProbeResult(probe.key, probe.provider, "unreachable", reason, None, attempts, host)


def _result(probe: Probe, judged: Judgement, status: int, attempts: int) -> ProbeResult:
    return ProbeResult(
        probe.key,
        probe.provider,
        judged.verdict,
        judged.reason,
        status,
        attempts,
        probe.request.host,
    )
