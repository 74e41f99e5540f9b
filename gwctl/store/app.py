"""The store's REST API (docs/store-api.md) as a FastAPI app, plus the web page.

`create_app(database_url)` migrates the database, opens the store and returns the app: the
endpoints (a router per resource, gwctl.store.api), the contract's JSON errors, request body
limits (middleware.py), and an OpenAPI document at /openapi.json that describes every response.
The app keeps the store in `app.state.store` (a gwctl.store.service.GatewayStore) for the
routes' dependencies. No response, header or log line ever carries a credential value, except
the admin-only credentials endpoint's body.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Scope

from gwctl.core.providers import Provider, load_providers
from gwctl.store.api import api_router
from gwctl.store.api.openapi import openapi_document
from gwctl.store.connection_test import DEFAULT_INTERVAL, ConnectionTester, check_base_urls
from gwctl.store.errors import ApiError, Unauthorized, ValidationFailed, error_response
from gwctl.store.middleware import ApiHeaders, BodyLimit
from gwctl.store.service import GatewayStore

log = logging.getLogger(__name__)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def create_app(
    database_url: str,
    *,
    key_file: Path | None = None,
    web: bool = True,
    verify_base_urls: Mapping[str, str] | None = None,
    connection_test_interval: float = DEFAULT_INTERVAL,
    metrics: bool = True,
    metrics_token: str | None = None,
) -> FastAPI:
    """The store app on `database_url` (migrated to the newest revision first).

    The credential key comes from GWCTL_STORE_KEY or `key_file` (default:
    $GWCTL_STORE_KEY_FILE, else `store.key` beside a SQLite file; another database must name
    one: gwctl.store.key_files). `web=False`
    leaves out the web page (its templates, forms and static files): the embedded store
    only ever answers gwctl's API calls.

    The web page's "Test connection" sends a provider's check to `verify_base_urls[provider]`
    instead of the schema's host, and tests one gateway at most once per
    `connection_test_interval` seconds. StoreConfigError for an unknown provider or a URL
    that is not https (plain http only on loopback).

    `metrics` counts requests for Prometheus (gwctl.store.metrics; the embedded store does
    not); `metrics_token` also serves them at /metrics to that Bearer token only (not in the
    OpenAPI document; gwctl.store.metrics_serving says where else /metrics may be served).
    """
    providers = load_providers()
    check_base_urls(verify_base_urls or {}, providers)  # before the database: fail fast
    store = GatewayStore.open(database_url, key_file=key_file)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()
        if metrics:
            from gwctl.store.metrics import process_exited

            process_exited()

    app = FastAPI(
        title="gwctl store",
        version="1",
        summary="The SMSPlus SMS gateway store: accounts, changesets, apply lock, audit log.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operationId: the route's name
    )
    app.state.store = store
    app.state.connection_tests = ConnectionTester(
        store, verify_base_urls, interval=connection_test_interval
    )
    _add_error_handlers(app)
    app.include_router(api_router)
    app.openapi = lambda: _openapi(app, providers)  # type: ignore[method-assign]
    app.add_middleware(ApiHeaders)
    app.add_middleware(BodyLimit, web_refusal=_web_refusal() if web else None)

    if web:
        from gwctl.store.web import mount_web

        mount_web(app)
    if metrics:
        _add_metrics(app, metrics_token)
    return app


def _add_metrics(app: FastAPI, token: str | None) -> None:
    """Count every request (the outermost middleware: 413s and 500s count too); /metrics
    for `token` only, if given."""
    from gwctl.store.metrics import METRICS_PATH, HttpMetrics, exposition, token_accepted

    app.add_middleware(HttpMetrics, routes=app.router.routes)
    if token is None:
        return

    def metrics(request: Request) -> Response:
        if not token_accepted(token, request.headers.get("authorization")):
            return error_response(
                Unauthorized("/metrics needs 'Authorization: Bearer <the metrics token>'")
            )
        body, content_type = exposition()
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    app.add_api_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)


# -- errors -------------------------------------------------------------------------------------


def _web_refusal() -> ASGIApp:
    """The web page's own 413 page, for a form body over the web limit."""
    from gwctl.store.web import too_large_page

    return too_large_page


def _add_error_handlers(app: FastAPI) -> None:
    async def store_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [_request_problem(error) for error in exc.errors()]
        message = details[0]["message"] if len(details) == 1 else f"{len(details)} problems"
        return error_response(ValidationFailed(message, details))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8 JSON)
            return error_response(
                ValidationFailed(
                    "the body is not valid JSON", [{"pointer": "", "message": str(exc.detail)}]
                )
            )
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        body = {"error": {"code": code, "message": str(exc.detail), "details": []}}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names the methods of the first route only
            headers["Allow"] = allowed_methods(app, request.scope)
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        body = {"error": {"code": "internal_error", "message": "internal error", "details": []}}
        return JSONResponse(body, status_code=500)

    app.add_exception_handler(ApiError, store_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """The `Allow` value of the request's path: each method some route fully matches."""
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] == Match.FULL
            for route in app.router.routes
        )
    )


def _request_problem(error: Mapping[str, Any]) -> dict[str, Any]:
    """A FastAPI validation error as a detail: body problems by pointer, others by name."""
    where, *path = error.get("loc", ()) or ("body",)
    message = str(error.get("msg", "invalid"))  # never `input`: it may be a secret
    if where == "body":
        pointer = "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
        return {"pointer": pointer, "message": message}
    return {"parameter": str(path[0]) if path else str(where), "message": message}


# -- OpenAPI ------------------------------------------------------------------------------------


def _openapi(app: FastAPI, providers: Mapping[str, Provider]) -> dict[str, Any]:
    if app.openapi_schema is None:
        app.openapi_schema = openapi_document(app, providers)
    return app.openapi_schema
