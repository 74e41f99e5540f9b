"""`/healthz`: liveness, outside the versioned API and without a token."""

from __future__ import annotations

from fastapi import APIRouter

from gwctl.store.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: answers without a token."""
    return Health(status="ok")
