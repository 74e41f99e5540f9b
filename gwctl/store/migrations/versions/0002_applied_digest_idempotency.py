"""Gateways remember the digest of what gwctl applied; changesets get idempotency keys.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gwctl.store.db import MYSQL_TABLE_ARGS, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gateways") as batch:
        batch.add_column(sa.Column("applied_digest", sa.String(256)))
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False, index=True),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("gateways") as batch:
        batch.drop_column("applied_digest")
