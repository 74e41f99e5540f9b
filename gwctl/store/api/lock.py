"""`/lock`: the apply lock (holder, TTL), taken and released by gwctl apply, forced by an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gwctl.store.api.deps import Caller, Store, Writer
from gwctl.store.api.responses import errors
from gwctl.store.errors import ValidationFailed
from gwctl.store.models import LockOut, LockRequest, LockStatus

router = APIRouter(prefix="/lock")


@router.get("", response_model=LockStatus, responses=errors())
def get_lock(store: Store, _caller: Caller) -> LockStatus:
    """Whether the apply lock is held, and by whom."""
    lock = store.get_lock()
    return LockStatus(held=lock is not None, lock=lock)


@router.post("", status_code=201, response_model=LockOut, responses=errors(403, 409, 422))
def acquire_lock(store: Store, context: Writer, request: LockRequest) -> LockOut:
    """Take the apply lock; 409 lock_held while another unexpired lock exists."""
    return store.acquire_lock(request, context)


@router.delete("/{lock_id}", status_code=204, response_class=Response, responses=errors(403, 404))
def release_lock(store: Store, context: Writer, lock_id: str) -> Response:
    """Release one's own lock."""
    store.release_lock(lock_id, context)
    return Response(status_code=204)


@router.delete("", status_code=204, response_class=Response, responses=errors(403, 422))
def force_release_lock(
    store: Store,
    context: Writer,
    force: Annotated[bool, Query(description="Must be true.")] = False,
) -> Response:
    """Admin: release whatever lock is held (force=true). Audited."""
    if not force:
        raise ValidationFailed(
            "add force=true to release a lock you do not hold",
            [{"parameter": "force", "message": "must be true"}],
        )
    store.force_release_lock(context)
    return Response(status_code=204)
