"""Forget the salted credential fingerprints: their salt was shown beside them, so each was
an offline test of guesses. The next gwctl apply stores fingerprints only the config
repository's key can compute (gwctl.core.fingerprints).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = ("api_key", "secret_key", "username", "password")


def upgrade() -> None:
    gateways = sa.table("gateways", *(sa.column(f"{c}_fingerprint") for c in _COLUMNS))
    op.execute(gateways.update().values({f"{c}_fingerprint": None for c in _COLUMNS}))


def downgrade() -> None:
    """Nothing to restore: a forgotten fingerprint reads as unknown."""
