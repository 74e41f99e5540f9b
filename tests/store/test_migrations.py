"""Schema migrations: a database made by the first revision upgrades with its data intact."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gwctl.core.audit_chain import entry_hash
from gwctl.store.context import Client, Principal, WriteContext
from gwctl.store.crypto import CredentialCipher
from gwctl.store.db import create_store_engine
from gwctl.store.errors import AuditBroken
from gwctl.store.key_files import load_keyring
from gwctl.store.migrate import HEAD_REVISION, current_revision, head_revision, upgrade_database
from gwctl.store.service import GatewayStore
from gwctl.store.tables import store_metadata
from gwctl.store.tokens import hash_token, list_tokens
from tests.support.samples import twilio


def test_the_head_revision_constant_names_the_newest_script() -> None:
    assert head_revision() == HEAD_REVISION


def test_tables_match_the_models_after_migrating(database_url: str) -> None:
    upgrade_database(database_url)
    engine = create_store_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            # every table, also those defined beside their code (gwctl.store.tables)
            assert compare_metadata(context, store_metadata()) == []
    finally:
        engine.dispose()


def test_upgrading_from_the_first_revision_keeps_the_data(
    database_url: str, key_file: Path
) -> None:
    upgrade_database(database_url, "0001")
    engine = create_store_engine(database_url)
    assert current_revision(engine) == "0001"
    cipher = CredentialCipher(load_keyring(key_file))
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    sid, token = twilio()["credentials"]["account_sid"], twilio()["credentials"]["auth_token"]
    entry = {
        "seq": 1,
        "at": "2026-01-02T03:04:05Z",
        "actor": "alice",
        "token_name": "old",
        "action": "create",
        "key": "twilio-us",
        "fields": ["name"],
        "source_commit": None,
        "plan_id": None,
        "changeset_id": None,
        "details": {},
        "prev_hash": "0" * 64,
    }
    entry["hash"] = entry_hash(entry)
    naive = at.replace(tzinfo=None)
    with engine.begin() as connection:  # the rows as version 0001 of gwctl wrote them
        _insert(
            connection,
            "gateways",
            {
                "key": "twilio-us",
                "provider": "twilio",
                "name": "Twilio US",
                "name_normalized": "twilio us",
                "status": "active",
                "sending_pattern": "loop",
                "fallback_sender_id": "SMSPLUS",
                "api_key": cipher.encrypt(sid, gateway_key="twilio-us", column="api_key"),
                "api_key_fingerprint": "hmac-sha256:c2FsdA:" + "0" * 64,  # salted, shown
                "secret_key": cipher.encrypt(token, gateway_key="twilio-us", column="secret_key"),
                "secret_key_fingerprint": "hmac-sha256:c2FsdA:" + "1" * 64,
                "managed_by": "gwctl",
                "protect": True,
                "version": 4,
                "created_at": naive,
                "created_by": "alice",
                "updated_at": naive,
                "updated_by": "alice",
            },
        )
        _insert(
            connection,
            "tokens",
            {
                "name": "old",
                "role": "admin",
                "token_hash": hash_token("gwst_old-token"),
                "created_at": naive,
                "created_by": "cli",
            },
        )
        _insert(
            connection,
            "audit_log",
            {**entry, "at": naive, "details": "{}", "fields": json.dumps(entry["fields"])},
        )
        connection.execute(
            sa.text("UPDATE audit_head SET seq = 1, hash = :hash"), {"hash": entry["hash"]}
        )
    engine.dispose()

    store = GatewayStore.open(database_url, key_file=key_file)  # upgrades to the head
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        gateway = store.get_gateway("twilio-us")
        assert (gateway.version, gateway.protect, gateway.applied_digest) == (4, True, None)
        assert gateway.credentials["account_sid"].value == sid
        assert {c.fingerprint for c in gateway.credentials.values()} == {None}  # forgotten
        assert gateway.created_at == "2026-01-02T03:04:05Z"
        principal = store.authenticate("gwst_old-token")
        assert principal == Principal("old", "admin")
        verdict = store.verify_audit()
        assert (verdict.ok, verdict.checkpoint_seq) == (True, 1)  # signed on upgrade, as it was
        with store.engine.connect() as connection:
            kept = connection.execute(sa.text("SELECT hash FROM audit_log")).scalar_one()
        assert kept == entry["hash"]  # history not rewritten
        context = WriteContext(token_name="old", actor="alice")
        rename = {"op": "rename", "key": "twilio-us", "new_key": "twilio-na", "if_version": 4}
        result = store.apply_changeset(
            {"operations": [rename]}, idempotency_key="after-upgrade", context=context
        )
        assert result.body["results"] == [{"op": "rename", "key": "twilio-na", "version": 5}]
        assert (store.verify_audit().entries, store.verify_audit().checkpoint_seq) == (2, 2)
    finally:
        store.close()


def test_an_old_log_already_broken_is_not_signed_on_upgrade(
    database_url: str, key_file: Path
) -> None:
    upgrade_database(database_url, "0003")
    engine = create_store_engine(database_url)
    entry = {
        "seq": 1,
        "at": "2026-01-02T03:04:05Z",
        "actor": "alice",
        "token_name": None,
        "action": "token_create",
        "key": None,
        "fields": [],
        "source_commit": None,
        "plan_id": None,
        "changeset_id": None,
        "details": {},
        "prev_hash": "0" * 64,
    }
    entry["hash"] = "f" * 64  # not the entry's hash: changed before the upgrade
    with engine.begin() as connection:
        _insert(
            connection,
            "audit_log",
            {**entry, "at": datetime(2026, 1, 2, 3, 4, 5), "details": "{}", "fields": "[]"},
        )
        connection.execute(sa.text("UPDATE audit_head SET seq = 1, hash = :h"), {"h": "f" * 64})
    engine.dispose()
    store = GatewayStore.open(database_url, key_file=key_file)
    try:
        verdict = store.verify_audit()
        assert (verdict.ok, verdict.checkpoint_seq) == (False, None)
        with pytest.raises(AuditBroken, match="entries 1 to 1 carry no signed checkpoint"):
            store.create_token("new", "admin")
    finally:
        store.close()


def test_tokens_from_before_expiry_never_expire_and_record_their_next_use(
    database_url: str, key_file: Path
) -> None:
    upgrade_database(database_url, "0005")
    engine = create_store_engine(database_url)
    with engine.begin() as connection:  # a token as version 0005 of gwctl wrote it
        _insert(
            connection,
            "tokens",
            {
                "name": "ci",
                "role": "read",
                "token_hash": hash_token("gwst_old-ci-token"),
                "created_at": datetime(2026, 1, 2, 3, 4, 5),
                "created_by": "cli",
            },
        )
    engine.dispose()

    store = GatewayStore.open(database_url, key_file=key_file)  # upgrades to the head
    try:
        [info] = list_tokens(store.engine)
        assert (info.expires_at, info.expired, info.last_used_at) == (None, False, None)
        assert store.authenticate("gwst_old-ci-token", Client.of("192.0.2.1", "ci")) == (
            Principal("ci", "read")
        )
        [used] = list_tokens(store.engine)
        assert used.last_used_from == "192.0.2.1"
        [entry] = store.list_audit(action="token_new_address").items
        assert entry.details == {"address": "192.0.2.1", "user_agent": "ci"}
    finally:
        store.close()


def _insert(connection: sa.Connection, table: str, row: dict[str, object]) -> None:
    connection.execute(sa.table(table, *(sa.column(name) for name in row)).insert(), row)


def test_the_backup_command_knows_every_migrated_table_in_a_fresh_process(tmp_path: Path) -> None:
    """What `gwctl store backup` imports, and nothing else, must see every table the
    migrations make: a table defined in a module nobody imported would be refused or lost."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    upgrade_database(url)
    engine = create_store_engine(url)
    try:
        migrated = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gwctl.cli.backup_commands, gwctl.store.backup, gwctl.store.restore\n"
            "from gwctl.store.db import Base\n"
            "print(' '.join(sorted(Base.metadata.tables)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(listed.stdout.split()) == migrated
