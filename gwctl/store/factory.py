"""The app of a served store, with its access log: `build_app(settings)`, and the factory
uvicorn's workers call, `app_from_env` (settings from GWCTL_* variables).

`gwctl serve` always starts uvicorn with this factory, for one worker or many:
`uvicorn --factory gwctl.store.factory:app_from_env --workers 4` is the same app. Its
requests are counted for Prometheus (metrics.py); several workers sum up in /metrics only in
a PROMETHEUS_MULTIPROC_DIR, which `gwctl serve` makes (metrics_serving.py).
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp

from gwctl.store.access_log import AccessLog
from gwctl.store.settings import ServeSettings, resolve

FACTORY = f"{__name__}:app_from_env"


def build_app(settings: ServeSettings) -> ASGIApp:
    """The store app on `settings`' database, its requests logged (access_log.py)."""
    from gwctl.store.app import create_app

    return AccessLog(
        create_app(
            settings.database_url(),
            key_file=settings.key_file,
            verify_base_urls=settings.verify_base_urls,
            metrics_token=settings.app_metrics_token,
        )
    )


def app_from_env() -> ASGIApp:
    """The app on the settings of the environment (GWCTL_DB_URL, GWCTL_STORE_KEY_FILE, ...)."""
    return build_app(resolve({}, os.environ))
