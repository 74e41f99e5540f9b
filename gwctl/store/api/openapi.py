"""The store's OpenAPI document: FastAPI's, completed with what route signatures cannot say.

Added to the generated document: the write bodies (write_schemas.py, from the provider
schemas), our 422 body, `If-Match` as a required header of the versioned writes (the store
answers 428 without it), enums whose values come from the registry (providers, audit
actions), the lock's `force=true` and times, and OpenAPI links from the operations that
return a gateway or a lock to those that take its key or id (and its ETag as If-Match).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gwctl.core.providers import Provider
from gwctl.store.api.deps import VERSION_PATTERN
from gwctl.store.api.write_schemas import ref, write_schemas
from gwctl.store.audit import ACTIONS

Document = dict[str, Any]

IF_MATCH_PATTERN: Final = f"^{VERSION_PATTERN}$"
_VERSIONED: Final = ("update_gateway", "delete_gateway", "put_logo")
_GATEWAY_TARGETS: Final = (
    "get_gateway",
    "update_gateway",
    "delete_gateway",
    "read_credentials",
    "put_logo",
)
# operation -> its success status, and whether the gateway it returns surely has a logo
_GATEWAY_SOURCES: Final = {
    "create_gateway": ("201", False),
    "update_gateway": ("200", False),
    "put_logo": ("200", True),
}


def openapi_document(app: FastAPI, providers: Mapping[str, Provider]) -> Document:
    """The whole document of `app` (cached on the app by the caller)."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
        description="The contract: docs/store-api.md.",
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _document_our_validation_errors(document, schemas)
    schemas.update(write_schemas(providers))
    schemas["AuditAction"] = {"title": "AuditAction", "type": "string", "enum": list(ACTIONS)}
    paths = {
        operation["operationId"]: path
        for path, methods in document.get("paths", {}).items()
        for operation in methods.values()
    }
    operations = {
        operation["operationId"]: operation
        for methods in document.get("paths", {}).values()
        for operation in methods.values()
    }
    for name in _VERSIONED:
        _require_if_match(operations[name])
    _parameter(operations["list_gateways"], "provider")["schema"] = _optional(ref("ProviderId"))
    _parameter(operations["list_audit"], "action")["schema"] = _optional(ref("AuditAction"))
    schemas["AuditEntryOut"]["properties"]["action"] = ref("AuditAction")
    _document_the_lock(operations, schemas)
    _add_links(operations, paths)
    return document


def _parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        parameter
        for parameter in operation.get("parameters", [])
        if parameter["name"].lower() == name.lower()
    )
    return found


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _require_if_match(operation: dict[str, Any]) -> None:
    """If-Match is optional to FastAPI (the store's own 428 says it is missing), never to a
    client: every versioned write needs it."""
    parameter = _parameter(operation, "If-Match")
    parameter.update(
        name="If-Match",
        required=True,
        schema={"type": "string", "pattern": IF_MATCH_PATTERN},
        description='The gateway version you read (its ETag): 3, "3" or W/"3".',
    )


def _document_the_lock(operations: Mapping[str, dict[str, Any]], schemas: Document) -> None:
    """`force` must be true (the route refuses anything else); the lock's times are RFC 3339."""
    force = _parameter(operations["force_release_lock"], "force")
    force.update(required=True, schema={"type": "boolean", "enum": [True]})
    for name, schema in schemas["LockOut"]["properties"].items():
        if name.endswith("_at") and schema.get("type") == "string":
            schema["format"] = "date-time"


def _add_links(operations: Mapping[str, dict[str, Any]], paths: Mapping[str, str]) -> None:
    """Links for clients and stateful testing: a gateway's key and ETag, a lock's id."""
    for source, (status, has_logo) in _GATEWAY_SOURCES.items():
        response = operations[source]["responses"][status]
        targets = (*_GATEWAY_TARGETS, "get_logo") if has_logo else _GATEWAY_TARGETS
        response["links"] = {
            _link_name(target): {
                "operationId": target,
                "parameters": {
                    "key": "$response.body#/key",
                    **(
                        {"header.If-Match": "$response.header.ETag"} if target in _VERSIONED else {}
                    ),
                },
            }
            for target in targets
        }
    lock_path = paths["acquire_lock"] + "/{lock_id}"  # release, and renew if there is one
    lock_targets = [
        name
        for name, path in paths.items()
        if path == lock_path or path.startswith(lock_path + "/")
    ]
    operations["acquire_lock"]["responses"]["201"]["links"] = {
        _link_name(target): {"operationId": target, "parameters": {"lock_id": "$response.body#/id"}}
        for target in lock_targets
    }


def _link_name(operation_id: str) -> str:
    return "".join(part.capitalize() for part in operation_id.split("_"))


def _document_our_validation_errors(document: Document, schemas: Document) -> None:
    """FastAPI documents its own 422 body; ours is the contract's error (ErrorBody)."""
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response is not None:
                response["description"] = "Validation Failed"
                response["content"] = {"application/json": {"schema": error_body}}
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
