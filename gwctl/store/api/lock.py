"""`/lock`: the apply lock (holder, lease), taken, renewed and released by gwctl apply, forced by
an admin."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from gwctl.store.api.deps import HEADER_MAX, Caller, Store, Writer
from gwctl.store.api.responses import errors
from gwctl.store.models import LockOut, LockRequest, LockStatus

router = APIRouter(prefix="/lock")


@router.get("", response_model=LockStatus, responses=errors())
def get_lock(store: Store, _caller: Caller) -> LockStatus:
    """Whether the apply lock is held, and by whom."""
    lock = store.get_lock()
    return LockStatus(held=lock is not None, lock=lock)


@router.post("", status_code=201, response_model=LockOut, responses=errors(403, 409, 422))
def acquire_lock(
    store: Store,
    context: Writer,
    request: LockRequest,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=HEADER_MAX,
            description="Send the same key when retrying: the same request from the same "
            "token gets its lock back instead of lock_held.",
        ),
    ] = None,
) -> LockOut:
    """Take the apply lock; 409 lock_held while another unexpired lock exists."""
    return store.acquire_lock(request, context, idempotency_key)


@router.post("/{lock_id}/renew", response_model=LockOut, responses=errors(403, 404))
def renew_lock(store: Store, _context: Writer, lock_id: str) -> LockOut:
    """Extend one's own lock by its lease (from now); 404 once it is not the current lock."""
    return store.renew_lock(lock_id)


@router.delete("/{lock_id}", status_code=204, response_class=Response, responses=errors(403, 404))
def release_lock(store: Store, context: Writer, lock_id: str) -> Response:
    """Release one's own lock."""
    store.release_lock(lock_id, context)
    return Response(status_code=204)


@router.delete("", status_code=204, response_class=Response, responses=errors(403, 422))
def force_release_lock(
    store: Store,
    context: Writer,
    force: Annotated[
        Literal["true"], Query(description="Must be `true`: releases a lock you need not hold.")
    ],
) -> Response:
    """Admin: release whatever lock is held (force=true). Audited."""
    store.force_release_lock(context)
    return Response(status_code=204)
