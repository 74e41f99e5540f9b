"""`/providers`: the gateway companies the store accepts, from the provider schemas."""

from __future__ import annotations

from fastapi import APIRouter

from gwctl.store.api.deps import Caller, Store
from gwctl.store.api.responses import errors
from gwctl.store.models import ProviderOut

router = APIRouter(prefix="/providers")


@router.get("", response_model=list[ProviderOut], responses=errors())
def providers(store: Store, _caller: Caller) -> list[ProviderOut]:
    """The gateway companies, their credential fields and JSON Schemas."""
    return store.list_providers()
