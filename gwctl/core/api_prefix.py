"""Where the store's REST API lives: one prefix for the store's routes, its web page and gwctl's
client, so that a new API version is one edit."""

from __future__ import annotations

API_PREFIX = "/api/v1"
