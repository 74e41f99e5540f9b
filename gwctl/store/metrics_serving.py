"""Where and to whom a served store shows /metrics, and the multi-process directory behind it.

/metrics is off unless asked for: with a metrics token (GWCTL_METRICS_TOKEN) it is served on
the main port to `Authorization: Bearer <that token>` only; with a metrics port
(GWCTL_METRICS_PORT) it is served on a listener of its own (GWCTL_METRICS_HOST, 127.0.0.1 by
default), which also asks for the token when one is set, and the main port has no /metrics.
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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gwctl.store.errors import StoreConfigError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

TOKEN_ENV = "GWCTL_METRICS_TOKEN"  # noqa: S105 - the variable's name
PORT_ENV = "GWCTL_METRICS_PORT"
HOST_ENV = "GWCTL_METRICS_HOST"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_HOST = "127.0.0.1"
MIN_TOKEN_LENGTH = 16
_MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'  # noqa: S105 - a command, not a token


@dataclass(frozen=True)
class MetricsSettings:
    """How /metrics is served: `token` (None: no token asked), `port` (None: on the main
    port, and only with a token), `host` of the separate listener."""

    token: str | None = field(default=None, repr=False)
    port: int | None = None
    host: str = DEFAULT_HOST

    @property
    def app_token(self) -> str | None:
        """The token that opens /metrics on the main port; None: the app has no /metrics."""
        return self.token if self.port is None else None


def metrics_settings(
    token: str | None, port: int | None, host: str | None, environ: Mapping[str, str]
) -> MetricsSettings:
    """The settings from options, each over its environment variable; StoreConfigError for
    a short token or a port that is not one."""
    token = token if token is not None else environ.get(TOKEN_ENV) or None
    if token is not None and len(token.strip()) < MIN_TOKEN_LENGTH:
        raise StoreConfigError(
            f"the metrics token (--metrics-token or ${TOKEN_ENV}) must have at least "
            f"{MIN_TOKEN_LENGTH} characters; make one with: {_MAKE_TOKEN}"
        )
    raw_port = str(port) if port is not None else environ.get(PORT_ENV) or None
    if raw_port is not None and not (raw_port.isdigit() and 1 <= int(raw_port) <= 65535):
        raise StoreConfigError(
            f"the metrics port (--metrics-port or ${PORT_ENV}) must be a TCP port "
            f"1-65535, not {raw_port!r}"
        )
    return MetricsSettings(
        token=token.strip() if token else None,
        port=int(raw_port) if raw_port else None,
        host=host or environ.get(HOST_ENV) or DEFAULT_HOST,
    )


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
def metrics_listener(settings: MetricsSettings) -> Iterator[int | None]:
    """The separate /metrics listener while inside (its port), or nothing when the
    settings put /metrics on the main port or nowhere. StoreConfigError if it cannot bind."""
    if settings.port is None:
        yield None
        return
    server_class = _Server6 if ":" in settings.host else _Server
    try:
        server = make_server(
            settings.host,
            settings.port,
            _metrics_wsgi(settings.token),
            server_class=server_class,
            handler_class=_QuietHandler,
        )
    except OSError as exc:
        raise StoreConfigError(
            f"cannot listen for /metrics on {settings.host}:{settings.port} "
            f"(--metrics-host/--metrics-port): {exc.strerror}"
        ) from None
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
