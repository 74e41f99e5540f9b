"""The store's Prometheus metrics (prometheus-client), what counts them, and their exposition.

Every label value comes from a closed set: a route's TEMPLATE (`/api/v1/gateways/{key}`, or
`<unmatched>` for a path no route knows), never the raw path or its query string, so a
gateway key, a token pasted into a URL or a scanner's junk never becomes a label (nor a new
time series). `HttpMetrics`, an ASGI middleware, derives every metric from the request and
the response status; nothing else in the store has to remember to count.

Under several processes (uvicorn workers) the values live in PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode, set up by gwctl.store.metrics_serving before this
module is imported) and `exposition()` sums the files of every worker.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import BaseRoute, Mount, Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gwctl.core.api_prefix import API_PREFIX

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CHANGESETS_PATH = f"{API_PREFIX}/changesets"
LOCK_PATH = f"{API_PREFIX}/lock"
# 429s that are not about signing in: the web page's "Test connection" limit per gateway
NOT_AUTH_429_ROUTES = frozenset({"/gateways/{key}/test"})

REQUESTS = Counter(
    "gwctl_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "gwctl_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CHANGESETS = Counter(
    "gwctl_changesets",
    "Changesets posted: applied, replayed (same Idempotency-Key), rejected (4xx: nothing "
    "written) or failed (5xx).",
    ["result"],
)
LOCK_REQUESTS = Counter(
    "gwctl_apply_lock_requests",
    "Requests for the apply lock: acquired, or held (refused: another apply holds it; "
    "a waiting `gwctl apply --lock-timeout` retries).",
    ["result"],
)
AUTH_FAILURES = Counter(
    "gwctl_auth_failures",
    "Refused authentication: 401 (no or a wrong token, password or session) and 429 "
    "(throttled sign-in attempts), by surface (api, web, metrics).",
    ["surface", "status"],
)


def registry() -> CollectorRegistry:
    """What /metrics exposes: every worker's values in multiprocess mode, else this
    process's registry."""
    if MULTIPROC_ENV not in os.environ:
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    return collected


def exposition() -> tuple[bytes, str]:
    """The Prometheus text format of every metric, and its Content-Type."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def token_accepted(expected: str, authorization: str | None) -> bool:
    """Whether an Authorization header is `Bearer <expected>` (compared in constant time)."""
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def process_exited() -> None:
    """Tell multiprocess mode that this worker is gone (its live gauges stop counting)."""
    if MULTIPROC_ENV in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def route_templates(routes: Sequence[BaseRoute]) -> list[tuple[re.Pattern[str], str]]:
    """Each route's path pattern and template, in the router's order. FastAPI includes a
    router lazily (its routes' full paths only in its `effective_route_contexts()`); a plain
    Route or Mount has its own."""
    found: list[tuple[re.Pattern[str], str]] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            found += [(compile_path(c.path_format)[0], c.path_format) for c in contexts()]
        elif isinstance(route, Mount):
            found.append((route.path_regex, f"{route.path}/{{path}}"))
        elif isinstance(route, Route):
            found.append((route.path_regex, route.path))
    return found


def route_template(path: str, templates: Sequence[tuple[re.Pattern[str], str]]) -> str:
    """The template of the first route whose path matches (the one that answered, or would
    have, for a 405), else UNMATCHED: never anything of the request's own path."""
    return next((template for regex, template in templates if regex.match(path)), UNMATCHED)


def surface(path: str) -> str:
    """api, metrics or web: which door a request knocked on."""
    if path.startswith(API_PREFIX) or path == "/healthz":
        return "api"
    return "metrics" if path == METRICS_PATH else "web"


class HttpMetrics:
    """Count every HTTP request and time it; changesets, lock requests and auth failures
    follow from the route and the status."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # the app's live list: read at the first request, when complete
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = _Answer(sniff=scope["method"] == "POST" and scope["path"] == LOCK_PATH)

        async def observed(message: Message) -> None:
            answer.see(message)
            if answer.complete and not answer.recorded:  # before the client sees the end
                self._record(scope, answer, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            if not answer.recorded:  # the app failed, or ended without a complete answer
                self._record(scope, answer, time.perf_counter() - started)

    def _record(self, scope: Scope, answer: _Answer, seconds: float) -> None:
        answer.recorded = True
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        if self._templates is None:
            self._templates = route_templates(self.routes)
        path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        route = route_template(path, self._templates)
        status = answer.status
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(seconds)
        if status == 401 or (status == 429 and route not in NOT_AUTH_429_ROUTES):
            AUTH_FAILURES.labels(surface(scope["path"]), str(status)).inc()
        if method != "POST":
            return
        if scope["path"] == CHANGESETS_PATH and status not in (401, 403, 429):
            CHANGESETS.labels(_changeset_result(status, answer.replayed)).inc()
        elif scope["path"] == LOCK_PATH and (status == 201 or answer.lock_held):
            LOCK_REQUESTS.labels("acquired" if status == 201 else "held").inc()


def _changeset_result(status: int, replayed: bool) -> str:
    if replayed:
        return "replayed"
    if status < 400:
        return "applied"
    return "rejected" if status < 500 else "failed"


class _Answer:
    """What a middleware needs of a response: its status, whether it replays a stored
    changeset answer, and (for lock requests only) whether the body says lock_held."""

    def __init__(self, *, sniff: bool) -> None:
        self.status = 500  # the app ended without answering: the server answers 500
        self.replayed = False
        self._sniff = sniff
        self._body = b""
        self.complete = False  # the last body message is on its way
        self.recorded = False

    def see(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.replayed = (b"idempotency-replayed", b"true") in message.get("headers", [])
            self._sniff = self._sniff and self.status == 409
        elif message["type"] == "http.response.body":
            if self._sniff and len(self._body) < 512:
                self._body += message.get("body", b"")
            self.complete = not message.get("more_body", False)

    @property
    def lock_held(self) -> bool:
        return self.status == 409 and b'"code":"lock_held"' in self._body.replace(b" ", b"")
