"""The `WebBackend` over the store's own domain functions (gwctl.store.service, .sessions)."""

from __future__ import annotations

from fastapi import FastAPI

from .backend import WebBackend


def backend_for_app(app: FastAPI) -> WebBackend:
    raise NotImplementedError("the store's service layer is not wired to the web page yet")
