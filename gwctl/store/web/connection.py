"""Test connection (`/gateways/{key}/test`): a page saying where the provider's check goes,
and the POST that runs it (admins only) and shows the verdict and its reason.

The route is synchronous on purpose: the check blocks (`run_probes` runs its own event
loop), and FastAPI runs a synchronous route in a worker thread. The store throttles and
audits each test (gwctl.store.connection_test); a refused one answers 429 with Retry-After.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gwctl.core.providers import Provider
from gwctl.store.connection_test import (
    ConnectionNotTestable,
    ConnectionTester,
    ConnectionTestResult,
    ConnectionTestThrottled,
)
from gwctl.store.errors import NotFound

from . import forms
from .deps import AdminSession, PostedForm, StoredGateway, WebWriter, provider_named
from .page_errors import GatewayNotFound
from .rendering import render
from .security import page_router
from .table import GATEWAYS_PATH

router = page_router()


def _tester(request: Request) -> ConnectionTester:
    tester: ConnectionTester = request.app.state.connection_tests
    return tester


Tester = Annotated[ConnectionTester, Depends(_tester)]


def _page(
    request: Request,
    tester: ConnectionTester,
    gateway: forms.GatewayJson,
    status_code: int = 200,
    *,
    result: ConnectionTestResult | None = None,
    refusal: str = "",
) -> HTMLResponse:
    provider: Provider = provider_named(str(gateway.get("provider")))
    return render(
        request,
        "connection.html",
        status_code,
        gateway=gateway,
        provider=provider,
        base_url=tester.base_url(provider),
        interval=f"{tester.interval:g}",
        result=result,
        refusal=refusal,
    )


@router.get(GATEWAYS_PATH + "/{key}/test")
def connection_page(
    request: Request, _session: AdminSession, gateway: StoredGateway, tester: Tester
) -> HTMLResponse:
    return _page(request, tester, gateway)


@router.post(GATEWAYS_PATH + "/{key}/test")
def run_connection_test(
    request: Request,
    _form: PostedForm,
    _session: AdminSession,
    gateway: StoredGateway,
    context: WebWriter,
    tester: Tester,
) -> HTMLResponse:
    try:
        result = tester.test(str(gateway["key"]), context)
    except NotFound:  # deleted since the page was opened
        raise GatewayNotFound(str(gateway["key"])) from None
    except ConnectionNotTestable as exc:
        return _page(request, tester, gateway, 409, refusal=_sentence(exc.message))
    except ConnectionTestThrottled as exc:
        when = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
        refusal = (
            f"This gateway was tested less than {tester.interval:g} seconds ago, so it was "
            f"not tested again. Try again in {exc.retry_after} s "
            f"(after {when:%H:%M:%S} UTC)."
        )
        response = _page(request, tester, gateway, 429, refusal=refusal)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _page(request, tester, gateway, result=result)


def _sentence(message: str) -> str:
    """A store message ("infobip declares ...") as a sentence of the page."""
    return message[:1].upper() + message[1:] + "."
