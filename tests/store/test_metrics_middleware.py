"""HttpMetrics on its own, around small ASGI apps: the answers a real store gives rarely (a
crash, a throttled sign-in) are counted as docs/metrics.md says."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from gwctl.store.metrics import HttpMetrics


def _throttled(_request: Request) -> Response:
    return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "30"})


def _crash(_request: Request) -> Response:
    raise RuntimeError("the database went away")


ROUTES = [
    Route("/api/v1/gateways", _throttled),
    Route("/signin", _throttled, methods=["POST"]),
    Route("/gateways/{key}/test", _throttled, methods=["POST"]),
    Route("/boom", _crash),
]


def _call(method: str, path: str) -> None:
    """One request through HttpMetrics around a Starlette app of ROUTES.

    TestClient runs the app on its own event loop thread, so this works even while
    another test's fixture (a Playwright browser) holds a running loop on this thread."""
    inner = Starlette(routes=ROUTES)
    app = HttpMetrics(inner.router, routes=ROUTES)  # the router: no error middleware inside
    with TestClient(app) as client:
        client.request(method, path)


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_429_of_a_sign_in_counts_as_an_auth_failure_of_its_surface() -> None:
    failures = "gwctl_auth_failures_total"
    before = {s: _count(failures, surface=s, status="429") for s in ("api", "web")}
    _call("GET", "/api/v1/gateways")
    _call("POST", "/signin")
    for surface in ("api", "web"):
        assert _count(failures, surface=surface, status="429") - before[surface] == 1


def test_the_connection_test_limit_is_not_an_auth_failure() -> None:
    failures = "gwctl_auth_failures_total"
    before = _count(failures, surface="web", status="429")
    requests = {"method": "POST", "route": "/gateways/{key}/test", "status": "429"}
    counted = _count("gwctl_http_requests_total", **requests)
    _call("POST", "/gateways/some-key/test")
    assert _count(failures, surface="web", status="429") == before
    assert _count("gwctl_http_requests_total", **requests) == counted + 1


def test_a_request_that_crashes_counts_as_a_500_of_its_route() -> None:
    labels = {"method": "GET", "route": "/boom", "status": "500"}
    before = _count("gwctl_http_requests_total", **labels)
    with pytest.raises(RuntimeError):
        _call("GET", "/boom")
    assert _count("gwctl_http_requests_total", **labels) == before + 1
