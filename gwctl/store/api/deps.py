"""The REST API's dependencies, as `Annotated` aliases that raise the contract's errors.

A route names what it needs (`Store`, `Caller`, `Writer`, `IfMatch`) and receives it checked:
a missing or unknown token is 401, too many unknown tokens from one address 429 (before any
lookup), a read token that writes 403, a write without If-Match 428. The routes never test a
dependency's result.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Body, Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gwctl.store import signins
from gwctl.store.context import Client, Principal, WriteContext
from gwctl.store.errors import (
    Forbidden,
    PreconditionRequired,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from gwctl.store.service import GatewayStore
from gwctl.store.throttle import ACCOUNT_KEY_PURPOSE, Throttle
from gwctl.store.validation import unstorable_text

HEADER_MAX = 255
# An If-Match version: `3`, `"3"` or `W/"3"` (the OpenAPI document states the same pattern).
VERSION_PATTERN = r'(?:W/)?"?([0-9]{1,18})"?'
_VERSION = re.compile(VERSION_PATTERN)

_bearer = HTTPBearer(auto_error=False, description="A store token (`gwctl store token create`).")


def _store(request: Request) -> GatewayStore:
    store: GatewayStore = request.app.state.store
    return store


Store = Annotated[GatewayStore, Depends(_store)]


def _throttle(request: Request, store: Store) -> Throttle:
    """The app's limits on guessing (made on first use; a test may set its own)."""
    state = request.app.state
    if getattr(state, "throttle", None) is None:
        state.throttle = Throttle(store.engine, store.cipher.derive(ACCOUNT_KEY_PURPOSE))
    throttle: Throttle = state.throttle
    return throttle


Guard = Annotated[Throttle, Depends(_throttle)]


def client_of(request: Request) -> Client:
    """Who is asking: the client address (the original client's behind a trusted proxy)
    and the User-Agent, cleaned for the audit log."""
    return Client.of(request.client and request.client.host, request.headers.get("user-agent"))


RequestClient = Annotated[Client, Depends(client_of)]


def _caller(
    store: Store,
    throttle: Guard,
    client: RequestClient,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Principal:
    """The principal of the request's Bearer token (its use recorded)."""
    if credentials is None:
        raise Unauthorized("an 'Authorization: Bearer <token>' header is required")
    refused = throttle.token_refusal(client.throttle_address)
    if refused is not None:
        raise TooManyRequests(
            f"too many invalid tokens from this address: try again in {refused.retry_after} s",
            refused.retry_after,
        )
    found = store.authenticate(credentials.credentials, client)
    if found is None:
        signins.bad_token(store.engine, throttle, client)
        raise Unauthorized("the token is not valid (unknown, expired or revoked)")
    return found


Caller = Annotated[Principal, Depends(_caller)]


def _admin(request: Request, caller: Caller) -> Principal:
    if not caller.can_write:
        # a GET that needs an admin is the one that reads credentials in clear
        refused = (
            "it cannot read credentials in clear (admin tokens only; a read token sees masks)"
            if request.method == "GET"
            else "it cannot write"
        )
        raise Forbidden(f"the token '{caller.token_name}' has the read role: {refused}")
    return caller


Admin = Annotated[Principal, Depends(_admin)]
AuditHeader = Annotated[str | None, Header(max_length=HEADER_MAX)]


def _write_context(
    admin: Admin,
    x_gwctl_actor: AuditHeader = None,
    x_gwctl_source_commit: AuditHeader = None,
    x_gwctl_plan_id: AuditHeader = None,
    x_gwctl_lock: AuditHeader = None,
) -> WriteContext:
    """Who writes and from what (the X-Gwctl-* headers), for an admin token only."""
    return WriteContext.for_principal(
        admin,
        actor=x_gwctl_actor,
        source_commit=x_gwctl_source_commit,
        plan_id=x_gwctl_plan_id,
        lock_id=x_gwctl_lock,
    )


Writer = Annotated[WriteContext, Depends(_write_context)]


def _if_match_version(
    if_match: Annotated[str | None, Header(description="The version you read.")] = None,
) -> int:
    """The version an `If-Match` header names (`3`, `"3"` or `W/"3"`); 428 without one."""
    if if_match is None:
        raise PreconditionRequired(
            "an 'If-Match: <version>' header is required: send the version you read"
        )
    found = _VERSION.fullmatch(if_match.strip())
    if found is None:
        raise ValidationFailed(
            'If-Match must be a gateway version: 3, "3" or W/"3"',
            [{"parameter": "If-Match", "message": "not a gateway version (a number)"}],
        )
    return int(found[1])


# Declare it after `Writer`: authentication and the role are checked before the precondition.
IfMatch = Annotated[int, Depends(_if_match_version)]
# A write body the service validates itself (its schema is in the OpenAPI document).
RawBody = Annotated[Any, Body()]

_CHECKED_HEADERS = (
    "x-gwctl-actor",
    "x-gwctl-source-commit",
    "x-gwctl-plan-id",
    "x-gwctl-lock",
    "idempotency-key",
)


def storable_parameters(request: Request) -> None:
    """422 for parameters no database can store or compare (NUL, invalid Unicode)."""
    parameters = [
        *request.query_params.multi_items(),
        *request.path_params.items(),
        *((name, request.headers[name]) for name in _CHECKED_HEADERS if name in request.headers),
    ]
    problems = [
        {"parameter": name, "message": "must not contain NUL characters or invalid Unicode"}
        for name, value in parameters
        if unstorable_text(str(value))
    ]
    if problems:
        raise ValidationFailed(problems[0]["message"], problems)
