"""The apply lock becomes a renewable lease, and taking it idempotent.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apply_lock") as batch:
        batch.add_column(sa.Column("lease_seconds", sa.Integer))
        batch.add_column(sa.Column("request_digest", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("apply_lock") as batch:
        batch.drop_column("request_digest")
        batch.drop_column("lease_seconds")
