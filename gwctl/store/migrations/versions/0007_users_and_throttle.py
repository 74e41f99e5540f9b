"""People who sign in with a user name and password, the failed attempts that throttle
guessing, and web sessions that belong to a user (no longer to an API token).

The old sessions were opened with API tokens, which no longer sign in to the page: they are
dropped with their table, so everyone signs in again with a user name and password.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gwctl.store.db import MYSQL_TABLE_ARGS, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("last_signin_at", UTCDateTime, nullable=True),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.create_table(
        "auth_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False, index=True),
        sa.Column("account", sa.String(64), nullable=True, index=True),
        sa.Column("at", UTCDateTime, nullable=False, index=True),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.drop_table("web_sessions")
    _create_sessions("user_name")


def downgrade() -> None:
    op.drop_table("web_sessions")
    _create_sessions("token_name")
    op.drop_table("auth_failures")
    op.drop_table("users")


def _create_sessions(owner: str) -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(owner, sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
