"""Initial schema: gateways, tokens, audit log and head, apply lock, web sessions, meta.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

from gwctl.core.audit_chain import GENESIS_HASH
from gwctl.store.db import MYSQL_TABLE_ARGS, SINGLETON_ID, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _key() -> sa.types.TypeEngine[str]:
    return (
        sa.String(63)
        .with_variant(postgresql.VARCHAR(63, collation="C"), "postgresql")
        .with_variant(mysql.VARCHAR(63, charset="ascii", collation="ascii_bin"), "mysql", "mariadb")
    )


def _blob() -> sa.types.TypeEngine[bytes]:
    return sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "gateways",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", _key(), nullable=False, unique=True),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_normalized", sa.String(256), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sending_pattern", sa.String(16), nullable=False),
        sa.Column("fallback_sender_id", sa.String(16), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("signup_link", sa.String(2048)),
        sa.Column("logo_data", _blob()),
        sa.Column("logo_content_type", sa.String(32)),
        sa.Column("logo_sha256", sa.String(64)),
        sa.Column("logo_size", sa.Integer),
        *(
            column
            for name in ("api_key", "secret_key", "username", "password")
            for column in (
                sa.Column(name, sa.LargeBinary),
                sa.Column(f"{name}_fingerprint", sa.String(128)),
            )
        ),
        sa.Column("managed_by", sa.String(16), nullable=False),
        sa.Column("protect", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False, index=True),
        sa.Column("token_name", sa.String(64)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("key", _key(), index=True),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("source_commit", sa.String(255)),
        sa.Column("plan_id", sa.String(255)),
        sa.Column("changeset_id", sa.String(64)),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    lock = op.create_table(
        "apply_lock",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("lock_id", sa.String(64)),
        sa.Column("holder", sa.String(255)),
        sa.Column("reason", sa.String(500)),
        sa.Column("ci_job", sa.String(255)),
        sa.Column("source_commit", sa.String(255)),
        sa.Column("token_name", sa.String(64)),
        sa.Column("acquired_at", UTCDateTime),
        sa.Column("expires_at", UTCDateTime),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("token_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.create_table(
        "store_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        **MYSQL_TABLE_ARGS,  # type: ignore[arg-type]
    )
    op.bulk_insert(head, [{"id": SINGLETON_ID, "seq": 0, "hash": GENESIS_HASH}])
    op.bulk_insert(lock, [{"id": SINGLETON_ID}])


def downgrade() -> None:
    for table in (
        "store_meta",
        "web_sessions",
        "apply_lock",
        "audit_head",
        "audit_log",
        "tokens",
        "gateways",
    ):
        op.drop_table(table)
