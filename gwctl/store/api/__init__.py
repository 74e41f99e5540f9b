"""The store's REST API (docs/store-api.md): one router per resource under API_PREFIX, and
`/healthz` outside it.

Every route is thin: its dependencies (deps.py) authenticate, authorize and parse the
preconditions, and it calls one method of gwctl.store.service.GatewayStore.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gwctl.core.api_prefix import API_PREFIX
from gwctl.store.api import (
    audit,
    changesets,
    checkpoints,
    gateways,
    health,
    lock,
    logos,
    providers,
)
from gwctl.store.api.deps import storable_parameters

__all__ = ["api_router"]

_versioned = APIRouter(prefix=API_PREFIX)
for _resource in (providers, gateways, logos, changesets, lock, audit, checkpoints):
    _versioned.include_router(_resource.router)

api_router = APIRouter(dependencies=[Depends(storable_parameters)])
api_router.include_router(health.router)
api_router.include_router(_versioned)
