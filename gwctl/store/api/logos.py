"""`/gateways/{key}/logo`: a gateway's logo as raw PNG or JPEG bytes, read and replaced."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from gwctl.store.api.deps import Caller, IfMatch, Store, Writer
from gwctl.store.api.responses import ETAG, errors, image_content, version_etag
from gwctl.store.errors import NotFound
from gwctl.store.models import GatewayOut
from gwctl.store.validation import parse_logo

router = APIRouter(prefix="/gateways/{key}/logo")


@router.put(
    "",
    response_model=GatewayOut,
    responses={200: {"headers": ETAG}, **errors(403, 404, 409, 412, 413, 422, 428)},
    openapi_extra={"requestBody": {"required": True, "content": image_content()}},
)
async def put_logo(
    store: Store,
    context: Writer,
    version: IfMatch,
    key: str,
    request: Request,
    response: Response,
    content_type: Annotated[str | None, Header()] = None,
) -> GatewayOut:
    """Replace the logo: the raw PNG or JPEG body (≤ 256 KiB) with its Content-Type."""
    media_type = (content_type or "").split(";")[0].strip().lower() or None
    logo = parse_logo(await request.body(), media_type)
    # The service's transaction blocks: keep it off the event loop.
    gateway = await run_in_threadpool(
        store.set_logo, key, logo, if_version=version, context=context
    )
    response.headers["ETag"] = version_etag(gateway.version)
    return gateway


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "content": image_content(),
            "headers": {"X-Content-Type-Options": {"schema": {"type": "string"}}},
        },
        **errors(404),
    },
)
def get_logo(store: Store, _caller: Caller, key: str) -> Response:
    """The logo's bytes with their content type (404 when the gateway has none)."""
    logo = store.get_logo(key)
    if logo is None:
        raise NotFound(f"gateway '{key}' has no logo")
    return Response(
        logo.data,
        media_type=logo.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{logo.sha256}"',
            "Content-Security-Policy": "default-src 'none'",
            "Cache-Control": "private, max-age=60",
        },
    )
