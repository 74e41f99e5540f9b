"""The SMSPlus "SMS Gateways" web page of the live store (server-rendered, Jinja2).

`mount_web(app)` adds the pages (sign-in, the Available Gateways table, add / edit / delete,
history) and their static files to the store's FastAPI app. The pages reach the store through
a `WebBackend` (see `backend.py`): the adapter over the app's own `GatewayStore`
(`service_backend.py`).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .backend import WebBackend
from .routes import HERE, WebApp
from .security import apply_security_headers
from .service_backend import backend_for_app

__all__ = ["WebBackend", "mount_web"]


class _StaticFiles(StaticFiles):
    """Static files with the same security headers as the pages (and cacheable)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        apply_security_headers(response.headers, cache=True)
        return response


def mount_web(app: FastAPI) -> None:
    """Add the web page's routes under `/` and its static files under `/static`, over the
    store the app serves (`app.state.store`, set before this call)."""
    app.include_router(WebApp(backend_for_app(app)).router)
    app.mount("/static", _StaticFiles(directory=HERE / "static"), name="web-static")
