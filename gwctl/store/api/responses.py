"""What responses carry beyond the routes' signatures: the documented error bodies, the ETag
of a gateway's version, and the write bodies the service validates itself."""

from __future__ import annotations

from typing import Any

from gwctl.store.models import ErrorBody

ETAG = {"ETag": {"description": "The gateway's version, quoted.", "schema": {"type": "string"}}}
IMAGE_TYPES = ("image/png", "image/jpeg")
BYTES = "application/octet-stream"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until this client address may try a token again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


PROTECTED = (
    "Conflict; `error.code` says which: `protected` when the gateway's protect: true forbids "
    "the write (a delete, or removing the protection together with other changes), "
    "`conflict` (a duplicate), `lock_held`, `lock_lost` or `audit_broken`."
)


def errors(*statuses: int, protected: bool = False) -> dict[int | str, dict[str, Any]]:
    """The contract's error body for 401 and 429 (every route needs a token, and too many bad
    ones from an address are refused) and `statuses`; with `protected`, the 409 says the
    route refuses what protect: true forbids."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody} for status in (401, *statuses)
    }
    responses[429] = {"model": ErrorBody, "headers": RETRY_AFTER}
    if protected:
        responses[409] = {"model": ErrorBody, "description": PROTECTED}
    return responses


def json_body(model_name: str, description: str) -> dict[str, Any]:
    """A required JSON request body of a schema the app adds to the document."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model_name}"}}
            },
        }
    }


def image_content(*media_types: str) -> dict[str, Any]:
    """A PNG or JPEG body (bytes) as request or response content, of each media type."""
    return {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}


def version_etag(version: int) -> str:
    """A gateway version as the ETag (and If-Match) value: quoted."""
    return f'"{version}"'
