"""The SMSPlus "SMS Gateways" web page of the live store (server-rendered, Jinja2).

`mount_web(app)` adds the pages (sign-in, the Available Gateways table, add / edit / delete,
history) and their static files to the store's FastAPI app. The pages reach the store through
a `WebBackend` (see `backend.py`): by default the adapter over the store's own domain functions
(`service_backend.py`), or the one put in `app.state.web_backend`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .backend import WebBackend
from .routes import HERE, WebApp
from .security import apply_security_headers

__all__ = ["WebBackend", "mount_web"]


class _StaticFiles(StaticFiles):
    """Static files with the same security headers as the pages (and cacheable)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        apply_security_headers(response.headers, cache=True)
        return response


def _default_backend(request: Request) -> WebBackend:
    state: Any = request.app.state
    backend = getattr(state, "web_backend", None)
    if backend is None:
        from .service_backend import backend_for_app

        backend = backend_for_app(request.app)
        state.web_backend = backend
    return backend


def mount_web(app: FastAPI, backend: WebBackend | None = None) -> None:
    """Add the web page's routes under `/` and its static files under `/static`.

    Without `backend`, the pages use `app.state.web_backend` if set, else the adapter over
    the store's own service layer, built on first use.
    """
    factory: Callable[[Request], WebBackend] = _default_backend
    if backend is not None:
        fixed = backend

        def factory(request: Request) -> WebBackend:
            return fixed

    app.include_router(WebApp(factory).router)
    app.mount("/static", _StaticFiles(directory=HERE / "static"), name="web-static")
