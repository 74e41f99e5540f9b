"""Tokens that expire and show their last use; the addresses each token was used from.

Existing tokens never expire and have no recorded use until their next one.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gwctl.store.db import MYSQL_TABLE_ARGS, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime))
        batch.add_column(sa.Column("last_used_at", UTCDateTime))
        batch.add_column(sa.Column("last_used_from", sa.String(64)))
    op.create_table(
        "token_addresses",
        sa.Column(
            "token_id",
            sa.Integer,
            sa.ForeignKey("tokens.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )


def downgrade() -> None:
    op.drop_table("token_addresses")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("last_used_from")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
