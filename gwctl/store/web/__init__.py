"""The SMSPlus "SMS Gateways" web page of the live store (server-rendered, Jinja2).

`mount_web(app)` adds the page families (sign-in, password change, the Available Gateways
table, add / edit, delete, test connection, history), the one handler that shows a refused
page, and the static files to the store's FastAPI app. The pages call the app's own `GatewayStore`
(`app.state.store`) through their dependencies (deps.py), as the REST API does.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from . import connection, delete, gateway_forms, history, password, signin, table
from .page_errors import PageError, show_page_error, too_large_page
from .rendering import HERE
from .security import apply_security_headers

__all__ = ["mount_web", "too_large_page"]


class _StaticFiles(StaticFiles):
    """Static files with the same security headers as the pages (and cacheable)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        apply_security_headers(response.headers, cache=True)
        return response


def mount_web(app: FastAPI) -> None:
    """Add the web page's routes under `/` and its static files under `/static`."""
    # Add's `/gateways/new/{provider_id}` goes before the `/gateways/{key}/...` routes it
    # overlaps: `/gateways/new/logo` is the add form of a provider "logo", not a logo.
    for family in (signin, password, gateway_forms, delete, connection, history, table):
        app.include_router(family.router)
    app.add_exception_handler(PageError, show_page_error)
    app.mount("/static", _StaticFiles(directory=HERE / "static"), name="web-static")
