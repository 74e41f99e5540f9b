"""Where and to whom a served store shows /metrics, and the multi-process directory behind it.

/metrics is off unless asked for (the metrics_* settings of settings.py): with a metrics token
(GWCTL_METRICS_TOKEN) it is served on the main port to `Authorization: Bearer <that token>`
only; with a metrics port (GWCTL_METRICS_PORT) it is served on a listener of its own
(GWCTL_METRICS_HOST, 127.0.0.1 by default), which also asks for the token when one is set, and
the main port has no /metrics.
The metrics token is not an API token and no API token opens /metrics: a scraper's secret
never reads an account.

This module imports no prometheus-client at its top: multiprocess mode must be set up (the
PROMETHEUS_MULTIPROC_DIR of a fresh directory) before prometheus-client is first imported.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gwctl.store.errors import StoreConfigError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from gwctl.store.settings import ServeSettings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_directory() -> Iterator[str]:
    """A fresh PROMETHEUS_MULTIPROC_DIR for one server start, removed when it stops: inside
    the directory the operator named there (a tmpfs, say), else the system's temp folder.
    Workers started inside inherit it, so /metrics sums them all."""
    if "prometheus_client" in sys.modules:  # its values would already be process-local
        raise RuntimeError("prometheus_client was imported before multiprocess mode was set")
    parent = os.environ.get(MULTIPROC_ENV)
    directory = tempfile.mkdtemp(prefix="gwctl-metrics-", dir=parent or None)
    os.environ[MULTIPROC_ENV] = directory
    # uvicorn ends a graceful SIGTERM shutdown by raising SIGTERM again: as SystemExit, the
    # directory is still removed (the default action would end the process on the spot)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield directory
    finally:
        signal.signal(signal.SIGTERM, previous)
        if parent is None:
            del os.environ[MULTIPROC_ENV]
        else:
            os.environ[MULTIPROC_ENV] = parent
        shutil.rmtree(directory, ignore_errors=True)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log line per scrape."""


def _metrics_wsgi(token: str | None) -> WSGIApplication:
    from gwctl.store.metrics import METRICS_PATH, exposition, token_accepted

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != METRICS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: this listener serves /metrics only\n"]
        if token is not None and not token_accepted(token, environ.get("HTTP_AUTHORIZATION")):
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")],
            )
            return [b"an 'Authorization: Bearer <metrics token>' header is required\n"]
        body, content_type = exposition()
        start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]

    return app


@contextmanager
def metrics_listener(settings: ServeSettings) -> Iterator[int | None]:
    """The separate /metrics listener of `settings.metrics_port` while inside (its port), or
    nothing when the settings put /metrics on the main port or nowhere. StoreConfigError if it
    cannot bind."""
    host, port = settings.metrics_host, settings.metrics_port
    if port is None:
        yield None
        return
    server_class = _Server6 if ":" in host else _Server
    try:
        server = make_server(
            host,
            port,
            _metrics_wsgi(settings.metrics_token),
            server_class=server_class,
            handler_class=_QuietHandler,
        )
    except OSError as exc:
        raise StoreConfigError(
            f"cannot listen for /metrics on {host}:{port} "
            f"(--metrics-host/--metrics-port): {exc.strerror}"
        ) from None
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
