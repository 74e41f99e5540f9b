"""`/audit/checkpoint(s)` and `/audit/signing-key`: the signed heads of the audit chain and the
public key they verify with, for verifiers and witnesses outside the store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gwctl.core.audit_chain import Checkpoint
from gwctl.store.api.deps import Caller, Store
from gwctl.store.api.responses import errors
from gwctl.store.errors import NotFound
from gwctl.store.models import CheckpointOut, CheckpointPage, SigningKeyOut
from gwctl.store.paging import decode_seq_cursor, encode_cursor

router = APIRouter(prefix="/audit")


@router.get("/checkpoint", response_model=CheckpointOut, responses=errors(404))
def latest_checkpoint(store: Store, _caller: Caller) -> CheckpointOut:
    """The newest signed checkpoint: keep it outside the store (`gwctl audit checkpoint`)."""
    checkpoint = store.latest_checkpoint()
    if checkpoint is None:
        raise NotFound("the audit log is empty: there is no checkpoint yet")
    return _out(checkpoint)


@router.get("/checkpoints", response_model=CheckpointPage, responses=errors(422))
def list_checkpoints(
    store: Store,
    _caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CheckpointPage:
    """Every signed checkpoint, oldest first (one per write that changed the log)."""
    after = decode_seq_cursor(cursor) if cursor else 0
    found = store.checkpoint_page(after, limit + 1)
    items = [_out(checkpoint) for checkpoint in found[:limit]]
    more = len(found) > limit
    return CheckpointPage(
        items=items, next_cursor=encode_cursor(str(items[-1].seq)) if more else None
    )


@router.get("/signing-key", response_model=SigningKeyOut, responses=errors())
def signing_key(store: Store, _caller: Caller) -> SigningKeyOut:
    """The public key of the store's audit signing key. Pin it: compare it once with
    `gwctl store signing-key` on the server, and keep it beside your checkpoints."""
    signer = store.signer
    return SigningKeyOut(key_id=signer.public_key.key_id, public_key_pem=signer.public_key_pem)


def _out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut.model_validate(checkpoint.to_dict())
