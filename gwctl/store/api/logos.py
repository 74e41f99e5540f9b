"""`/gateways/{key}/logo`: a gateway's logo as raw PNG or JPEG bytes, read and replaced."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from gwctl.core.logos import image_type
from gwctl.store.api.deps import Caller, IfMatch, Store, Writer
from gwctl.store.api.responses import BYTES, ETAG, IMAGE_TYPES, errors, image_content, version_etag
from gwctl.store.errors import NotFound
from gwctl.store.models import GatewayOut
from gwctl.store.validation import parse_logo

router = APIRouter(prefix="/gateways/{key}/logo")


@router.put(
    "",
    response_model=GatewayOut,
    responses={200: {"headers": ETAG}, **errors(403, 404, 409, 412, 413, 422, 428)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The PNG or JPEG bytes, at most 256 KiB (also as image/png or "
            "image/jpeg: the type must match the bytes).",
            "content": image_content(BYTES),
        }
    },
)
async def put_logo(
    store: Store,
    context: Writer,
    version: IfMatch,
    key: str,
    request: Request,
    response: Response,
) -> GatewayOut:
    """Replace the logo: the raw PNG or JPEG body (≤ 256 KiB)."""
    data = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower() or None
    if media_type == BYTES:  # the image's type is read from its bytes
        media_type = image_type(data)
    logo = parse_logo(data, media_type)
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
            "content": image_content(*IMAGE_TYPES, BYTES),
            "headers": {"X-Content-Type-Options": {"schema": {"type": "string"}}},
        },
        **errors(404),
    },
)
def get_logo(store: Store, _caller: Caller, key: str, request: Request) -> Response:
    """The logo's bytes with their content type (404 when the gateway has none), or as
    application/octet-stream for a client that accepts only that."""
    logo = store.get_logo(key)
    if logo is None:
        raise NotFound(f"gateway '{key}' has no logo")
    return Response(
        logo.data,
        media_type=BYTES if _only_bytes(request, logo.content_type) else logo.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{logo.sha256}"',
            "Content-Security-Policy": "default-src 'none'",
            "Cache-Control": "private, max-age=60",
        },
    )


def _only_bytes(request: Request, content_type: str) -> bool:
    """Whether the request accepts application/octet-stream but not the image's type."""
    accept = request.headers.get("accept", "")
    accepted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return BYTES in accepted and not accepted & {content_type, "image/*", "*/*"}
