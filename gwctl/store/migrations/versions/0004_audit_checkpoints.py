"""Signed checkpoints of the audit chain.

The entries stay as they are: the store signs the current head the first time it opens the
upgraded database (after checking the chain), and every write from then on.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gwctl.store.db import MYSQL_TABLE_ARGS

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
