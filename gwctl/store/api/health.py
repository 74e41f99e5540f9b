"""Health endpoints, outside the versioned API and without a token: `/livez` (the process
answers), `/readyz` (the database answers and its schema is the one this server needs), and
`/healthz`, the original liveness endpoint, kept as an alias of `/livez`.

`/readyz` answers 503 with a reason while the store cannot serve; the reason never carries
the database URL, a host name or an error text (they can name a user or a password).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from gwctl.store.migrate import HEAD_REVISION, current_revision
from gwctl.store.models import Health, Readiness

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/livez", response_model=Health)
def livez() -> Health:
    """Liveness: the process answers (no database access). Restart the process if it does
    not."""
    return Health(status="ok")


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness, as `/livez` (kept for existing probes)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: the reason says why."}},
)
def readyz(request: Request) -> Readiness | JSONResponse:
    """Readiness: a round trip to the database, whose schema is at the revision this server
    needs. Send traffic only while it answers 200."""
    problem = readiness_problem(request.app.state.store.engine)
    if problem is None:
        return Readiness(status="ready", reason=None)
    body = Readiness(status="not_ready", reason=problem)
    return JSONResponse(body.model_dump(), status_code=503, headers={"Cache-Control": "no-store"})


def readiness_problem(engine: Engine) -> str | None:
    """Why the store on `engine` cannot serve now, or None if it can."""
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("not ready: the database does not answer (%s)", type(exc).__name__)
        return "the database does not answer"
    if revision != HEAD_REVISION:
        return (
            f"the database schema is at revision {revision or 'none'}, this server needs "
            f"{HEAD_REVISION}: restart it to migrate, or start the newer server"
        )
    return None
