"""An account's history page (`/gateways/{key}/history`): its audit entries, newest first,
with field names and never values; it outlives a deleted gateway."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gwctl.store.api.deps import Store
from gwctl.store.errors import NotFound

from .deps import SignedIn
from .page_errors import GatewayNotFound
from .rendering import render
from .security import page_router
from .table import GATEWAYS_PATH, PAGE_SIZE, every_item

router = page_router()


@router.get(GATEWAYS_PATH + "/{key}/history")
def history(request: Request, _session: SignedIn, store: Store, key: str) -> HTMLResponse:
    try:
        gateway = store.get_gateway(key).model_dump(mode="json")
    except NotFound:
        gateway = None
    entries = every_item(lambda cursor: store.list_audit(key=key, limit=PAGE_SIZE, cursor=cursor))
    if gateway is None and not entries:
        raise GatewayNotFound(key)
    return render(
        request, "history.html", key=key, gateway=gateway, entries=list(reversed(entries))
    )
