"""The served store's logging: text or JSON lines, app logs on stderr and access logs on stdout.

`logging_config(level, fmt)` is a `logging.config.dictConfig` dictionary, given to uvicorn as
its `log_config` so that every worker process logs alike. With `fmt="json"` every line is one
JSON object: `time` (UTC, ISO 8601), `level`, `logger`, `message`, and for access lines
(logger `gwctl.access`, see access_log.py) `method`, `path`, `status`, `duration_ms` and
`client`. Nothing here ever logs a header, a cookie, a query string or a request body.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

ACCESS_LOGGER = "gwctl.access"
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {name: getattr(record, name) for name in ACCESS_FIELDS if hasattr(record, name)}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """The logging configuration of a served store at `level` in `fmt` (text | json)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if fmt == "json"
        else {"format": TEXT_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    )
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {
            "app": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["app"], "level": upper},
        "loggers": {
            # uvicorn's own loggers carry handlers in its default configuration: ours instead
            "uvicorn": {"handlers": [], "level": upper, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": upper, "propagate": True},
            ACCESS_LOGGER: {"handlers": ["access"], "level": upper, "propagate": False},
            "alembic.runtime.plugins": {"level": "WARNING"},  # a line per plugin at each start
        },
    }
