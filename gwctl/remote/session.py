"""Opening the store a command works against, and who/what a write is attributed to."""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
from collections.abc import Iterator

import httpx

from gwctl.config.provenance import source_commit
from gwctl.config.settings import Settings
from gwctl.remote.client import AuditContext, StoreClient, StoreError

# CI systems and the variables that name their job and commit
_CI_JOB_VARS = ("GITHUB_RUN_ID", "CI_JOB_ID", "BUILD_ID")


def actor() -> str:
    """user@host, or the CI job when running in one (the audit log's "who")."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return f"ci:github:{os.environ.get('GITHUB_REPOSITORY', '?')}#{ci_job()}"
    if os.environ.get("GITLAB_CI") == "true":
        return f"ci:gitlab:{os.environ.get('CI_PROJECT_PATH', '?')}#{ci_job()}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def ci_job() -> str | None:
    return next((os.environ[name] for name in _CI_JOB_VARS if os.environ.get(name)), None)


_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _refuse_plain_http(url: str) -> None:
    """A bearer token sent over plain HTTP can be read on the way: only loopback may skip TLS."""
    parsed = httpx.URL(url)
    if parsed.scheme == "http" and parsed.host not in _LOOPBACK:
        raise StoreError(
            f"refusing to send the store token over plain http to {parsed.host}: "
            "use an https:// URL",
            code="insecure_url",
        )
    if parsed.scheme not in ("http", "https"):
        raise StoreError(f"the store URL must start with https:// (got {url!r})", code="bad_url")


@contextlib.contextmanager
def open_store(
    settings: Settings, plan_id: str | None = None, timeout: float = 30.0
) -> Iterator[StoreClient]:
    """A StoreClient for the configured store: remote over HTTP, or the embedded one."""
    audit = AuditContext(actor(), source_commit(settings.root), plan_id)
    target = settings.store
    if target.url is None:
        from gwctl.remote.embedded import embedded_http

        with embedded_http(settings.root, timeout) as http:
            yield StoreClient(http, audit)
        return
    _refuse_plain_http(target.url)
    token = target.token()
    if token is None:
        raise StoreError(
            f"no token for {target.url}: set the environment variable {target.token_env}",
            code="no_token",
        )
    with httpx.Client(
        base_url=target.url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        yield StoreClient(http, audit)
