"""Prometheus /metrics of a real uvicorn server: what moves, what is labelled, who may read it,
where it is served, and that several workers add up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gwctl.store.server import main
from gwctl.store.settings import resolve
from tests.support.canaries import CANARY
from tests.support.samples import infobip
from tests.support.servers import Server, free_port, start_server
from tests.support.serving import launch
from tests.support.store_api import inprocess, make_tokens

METRICS_TOKEN = "scrape-me-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape(base_url: str, token: str = METRICS_TOKEN) -> str:
    response = httpx.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def tokens(database: str, key_file: Path) -> tuple[str, str]:
    return make_tokens(database, key_file)


@pytest.fixture
def admin(tokens: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[0]}"}


@pytest.fixture
def server(database: str, key_file: Path, tmp_path: Path, tokens: object) -> Iterator[Server]:
    """A server whose /metrics is on the main port, for the metrics token."""
    started = start_server(
        database, key_file, tmp_path / "server.log", env={"GWCTL_METRICS_TOKEN": METRICS_TOKEN}
    )
    yield started
    started.stop()


def test_counters_move_after_requests(server: Server, admin: dict[str, str]) -> None:
    before = _samples(_scrape(server.base_url))
    with httpx.Client(base_url=server.base_url, headers=admin, timeout=30) as client:
        assert client.post("/api/v1/gateways", json=infobip()).status_code == 201
        for _ in range(3):
            assert client.get("/api/v1/gateways/infobip-primary").status_code == 200
    after = _samples(_scrape(server.base_url))
    labels = {"method": "GET", "route": "/api/v1/gateways/{key}", "status": "200"}
    requests = "gwctl_http_requests_total"
    assert _value(after, requests, **labels) - _value(before, requests, **labels) == 3
    timed = "gwctl_http_request_duration_seconds_count"
    route = {"method": "GET", "route": "/api/v1/gateways/{key}"}
    assert _value(after, timed, **route) - _value(before, timed, **route) == 3


def test_a_body_refused_before_the_app_is_counted(server: Server, admin: dict[str, str]) -> None:
    too_big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    refused = httpx.post(f"{server.base_url}/api/v1/gateways", content=too_big, headers=admin)
    assert refused.status_code == 413
    samples = _samples(_scrape(server.base_url))
    labels = {"method": "POST", "route": "/api/v1/gateways", "status": "413"}
    assert _value(samples, "gwctl_http_requests_total", **labels) == 1


def test_route_labels_are_templates_never_paths(server: Server, admin: dict[str, str]) -> None:
    with httpx.Client(base_url=server.base_url, headers=admin, timeout=30) as client:
        client.post("/api/v1/gateways", json=infobip()).raise_for_status()
        client.get("/api/v1/gateways/infobip-primary/logo")
        client.get("/gateways/infobip-primary/edit")
    text = _scrape(server.base_url)
    routes = {
        dict(labels)["route"]
        for name, labels in _samples(text)
        if name == "gwctl_http_requests_total"
    }
    assert {"/api/v1/gateways", "/api/v1/gateways/{key}/logo", "/gateways/{key}/edit"} <= routes
    assert "infobip-primary" not in text


def test_no_label_carries_a_key_a_token_or_a_query_string(
    server: Server, admin: dict[str, str]
) -> None:
    """The attacker puts a canary where a path, a query and a token go; none is a label."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        client.get(f"/api/v1/gateways/{CANARY}", params={"token": CANARY}, headers=admin)
        client.get(f"/{CANARY}/{CANARY}", params={CANARY: CANARY})
        client.get("/api/v1/gateways", headers={"Authorization": f"Bearer {CANARY}"})
        client.request("PROPFIND", f"/api/v1/{CANARY}")
    text = _scrape(server.base_url)
    assert CANARY not in text
    samples = _samples(text)
    requests = "gwctl_http_requests_total"
    found = {"method": "GET", "route": "/api/v1/gateways/{key}", "status": "404"}
    assert _value(samples, requests, **found) == 1
    assert _value(samples, requests, method="GET", route="<unmatched>", status="404") == 1
    assert _value(samples, requests, method="OTHER", route="<unmatched>", status="404") == 1


def test_a_401_counts_as_an_auth_failure_of_its_surface(server: Server) -> None:
    before = _samples(_scrape(server.base_url))
    assert httpx.get(f"{server.base_url}/api/v1/gateways").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert httpx.get(f"{server.base_url}/api/v1/lock", headers=bad).status_code == 401
    assert httpx.get(f"{server.base_url}/gateways/any/logo").status_code == 401  # no session
    after = _samples(_scrape(server.base_url))
    failures = "gwctl_auth_failures_total"
    for surface, count in (("api", 2), ("web", 1)):
        labels = {"surface": surface, "status": "401"}
        assert _value(after, failures, **labels) - _value(before, failures, **labels) == count


def test_changesets_and_lock_requests_are_counted_by_result(
    server: Server, admin: dict[str, str]
) -> None:
    changesets, locks = "gwctl_changesets_total", "gwctl_apply_lock_requests_total"
    operations = {"operations": [{"op": "create", "gateway": infobip()}]}
    with httpx.Client(base_url=server.base_url, headers=admin, timeout=30) as client:
        once = {"Idempotency-Key": "first"}
        assert client.post("/api/v1/changesets", json=operations, headers=once).status_code == 200
        assert client.post("/api/v1/changesets", json=operations, headers=once).status_code == 200
        again = {"Idempotency-Key": "second"}  # the same create again: the key is taken
        assert client.post("/api/v1/changesets", json=operations, headers=again).status_code == 409
        assert client.post("/api/v1/lock", json={"holder": "ci:a"}).status_code == 201
        assert client.post("/api/v1/lock", json={"holder": "ci:b"}).status_code == 409
        assert client.post("/api/v1/lock", json={"holder": "ci:c"}).status_code == 409
    samples = _samples(_scrape(server.base_url))
    for result in ("applied", "replayed", "rejected"):
        assert _value(samples, changesets, result=result) == 1
    assert _value(samples, locks, result="acquired") == 1
    assert _value(samples, locks, result="held") == 2


def test_metrics_refuse_a_missing_wrong_or_api_token(server: Server, admin: dict[str, str]) -> None:
    url = f"{server.base_url}/metrics"
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, admin):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert "gwctl_http_requests_total" not in refused.text
    failures = _samples(_scrape(server.base_url))
    assert _value(failures, "gwctl_auth_failures_total", surface="metrics", status="401") == 3


def test_without_a_metrics_option_there_is_no_metrics_endpoint(
    database: str, key_file: Path, tmp_path: Path, admin: dict[str, str]
) -> None:
    server = start_server(database, key_file, tmp_path / "server.log")
    try:
        assert httpx.get(f"{server.base_url}/metrics", headers=admin).status_code == 404
    finally:
        server.stop()


def test_a_metrics_port_serves_metrics_and_the_main_port_has_none(
    database: str, key_file: Path, tmp_path: Path, admin: dict[str, str]
) -> None:
    port = free_port()
    server = start_server(
        database,
        key_file,
        tmp_path / "server.log",
        *("--metrics-port", str(port), "--metrics-token", METRICS_TOKEN),
    )
    metrics_url = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{server.base_url}/api/v1/lock", headers=admin).status_code == 200
        assert httpx.get(f"{server.base_url}/metrics", headers=admin).status_code == 404
        main_port = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        assert httpx.get(f"{server.base_url}/metrics", headers=main_port).status_code == 404
        assert httpx.get(f"{metrics_url}/metrics", headers=admin).status_code == 401
        assert httpx.get(f"{metrics_url}/api/v1/lock", headers=admin).status_code == 404
        samples = _samples(_scrape(metrics_url))
        labels = {"method": "GET", "route": "/api/v1/lock", "status": "200"}
        assert _value(samples, "gwctl_http_requests_total", **labels) == 1
    finally:
        server.stop()


def test_two_workers_add_up_in_one_scrape(
    database: str, key_file: Path, tmp_path: Path, admin: dict[str, str]
) -> None:
    """uvicorn --workers 2 through the app factory (factory.py), as deployment.md shows it:
    /metrics, answered by either worker, counts the requests both served."""
    multiproc = tmp_path / "multiproc"
    multiproc.mkdir()
    port = free_port()
    server = launch(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "gwctl.store.factory:app_from_env"),
            *("--workers", "2", "--host", "127.0.0.1", "--port", str(port)),
            *("--log-level", "warning"),
        ],
        f"http://127.0.0.1:{port}",
        tmp_path / "run",
        {
            "GWCTL_DB_URL": database,
            "GWCTL_STORE_KEY_FILE": str(key_file),
            "GWCTL_METRICS_TOKEN": METRICS_TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        },
    )
    try:
        served = 0
        while len(_worker_files(multiproc)) < 2:  # new connections until both workers answered
            assert served < 2000, "one worker answered every request"
            response = httpx.get(f"{server.base_url}/api/v1/lock", headers=admin)
            assert response.status_code == 200
            served += 1
        for _ in range(4):  # each scrape may be answered by either worker: all say the same
            samples = _samples(_scrape(server.base_url))
            labels = {"method": "GET", "route": "/api/v1/lock", "status": "200"}
            assert _value(samples, "gwctl_http_requests_total", **labels) == served
    finally:
        server.stop()


def _worker_files(directory: Path) -> set[str]:
    """The worker pids that counted something in the multiprocess directory."""
    return {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}


def test_the_metrics_endpoint_is_not_in_the_openapi_document(database: str, key_file: Path) -> None:
    for api in inprocess(database, key_file):
        assert "/metrics" not in api.anon.get("/openapi.json").json()["paths"]


def test_the_server_refuses_a_short_metrics_token_before_it_starts(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--db", database, "--metrics-token", "tiny-token"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "--metrics-token: the metrics token must have at least 16 characters" in error
    assert "tiny-token" not in error
    assert "Traceback" not in error


def test_a_metrics_port_takes_metrics_off_the_main_port() -> None:
    with_port = resolve({"metrics_port": "9200"}, {"GWCTL_METRICS_TOKEN": "e" * 20})
    assert with_port.app_metrics_token is None  # the listener asks for it, the app has none
    assert resolve({}, {"GWCTL_METRICS_TOKEN": "e" * 20}).app_metrics_token == "e" * 20


def test_the_metrics_token_is_not_in_the_settings_repr() -> None:
    assert "o" * 20 not in repr(resolve({"metrics_token": "o" * 20}, {}))


def test_each_server_start_counts_in_a_fresh_directory_removed_when_it_stops(
    database: str, key_file: Path, tmp_path: Path, tokens: object
) -> None:
    """`gwctl serve` makes its own directory inside the operator's, never counting an old
    run's files, and leaves the operator's files alone."""
    parent = tmp_path / "multiproc"
    parent.mkdir()
    (parent / "counter_4242.db").write_bytes(b"an old run's file")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(parent), "GWCTL_METRICS_TOKEN": METRICS_TOKEN}
    server = start_server(database, key_file, tmp_path / "server.log", env=env)
    try:
        _scrape(server.base_url)  # the scrape itself is counted
        (own,) = parent.glob("gwctl-metrics-*")
        assert any(own.glob("counter_*.db"))
        health = {"method": "GET", "route": "/healthz", "status": "200"}
        assert _value(_samples(_scrape(server.base_url)), "gwctl_http_requests_total", **health)
    finally:
        server.stop()
    assert server.process.returncode == 143  # SIGTERM, shut down gracefully
    assert [path.name for path in parent.iterdir()] == ["counter_4242.db"]


def test_the_embedded_store_counts_nothing_and_loads_no_prometheus_client(
    tmp_path: Path,
) -> None:
    """`gwctl plan`'s in-process store pays nothing for metrics nobody could scrape."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gwctl.remote.embedded import embedded_http\n"
        f"with embedded_http(Path({str(tmp_path)!r})) as client:\n"
        "    assert client.get('/api/v1/gateways').status_code == 200\n"
        "    assert client.get('/metrics').status_code == 404\n"
        "assert 'prometheus_client' not in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
