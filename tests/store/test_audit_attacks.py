"""The audit log against someone with write access to the database, on SQLite, PostgreSQL and
MariaDB: every rewrite is caught, and what only a checkpoint kept outside the store can catch
is caught by one (docs/threat-model.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from gwctl.core.audit_chain import Checkpoint, Witness, entry_hash, verify_log
from gwctl.store import audit, checkpoints
from gwctl.store.context import WriteContext
from gwctl.store.db import AuditRow, read_transaction
from gwctl.store.errors import AuditBroken
from gwctl.store.service import GatewayStore
from gwctl.store.signing import AuditSigner, signing_key_path
from tests.support.samples import clickatell, infobip, twilio

ADMIN = WriteContext(token_name="ci", actor="ci:github:1")


@pytest.fixture
def store(database_url: str, key_file: Path) -> Iterator[GatewayStore]:
    """A store whose log holds four entries, one write (and one checkpoint) each."""
    opened = GatewayStore.open(database_url, key_file=key_file)
    opened.create_token("ci", "admin")
    for body in (infobip(), twilio(), clickatell()):
        opened.create_gateway(body, ADMIN)
    yield opened
    opened.close()


def rewrite(store: GatewayStore, seq: int, actor: str) -> None:
    """What a DBA does who knows gwctl: change an entry, recompute every hash after it with
    gwctl's own function, and move the head."""
    with Session(store.engine) as session, session.begin():
        rows = session.scalars(select(AuditRow).where(AuditRow.seq >= seq).order_by(AuditRow.seq))
        prev = session.scalar(select(AuditRow.hash).where(AuditRow.seq == seq - 1)) or "0" * 64
        for row in rows:
            if row.seq == seq:
                row.actor = actor
            row.prev_hash = prev
            row.hash = prev = entry_hash(audit.to_entry(row))
        session.execute(sa.text("UPDATE audit_head SET hash = :hash"), {"hash": prev})


def append_forged(store: GatewayStore) -> None:
    """An entry added at the end by hand, chained and hashed like a real one."""
    with Session(store.engine) as session, session.begin():
        last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
        assert last is not None
        forged = AuditRow(**{c.key: getattr(last, c.key) for c in AuditRow.__table__.columns})
        forged.seq, forged.actor, forged.prev_hash = last.seq + 1, "mallory", last.hash
        forged.hash = entry_hash(audit.to_entry(forged))
        session.add(forged)
        session.execute(
            sa.text("UPDATE audit_head SET seq = :s, hash = :h"),
            {"s": forged.seq, "h": forged.hash},
        )


def truncate(store: GatewayStore, keep: int) -> None:
    """Delete the newest entries, their checkpoints, and reset the head: a log that ends
    earlier and is consistent in itself."""
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": keep})
        connection.execute(sa.text("DELETE FROM audit_checkpoints WHERE seq > :k"), {"k": keep})
        head = connection.execute(
            sa.text("SELECT hash FROM audit_log WHERE seq = :keep"), {"keep": keep}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": keep, "h": head}
        )


def resign_everything(store: GatewayStore, key_file: Path) -> None:
    """What a holder of the signing key can do on top: sign every head anew."""
    signer = AuditSigner.load(signing_key_path(key_file), may_create=False)
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_checkpoints"))
        for seq, head in connection.execute(sa.text("SELECT seq, hash FROM audit_log")):
            signed = signer.sign(seq, head, "2026-12-03T10:00:00Z")
            connection.execute(
                sa.text(
                    "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) "
                    "VALUES (:seq, :hash, :at, :key_id, :signature)"
                ),
                {name: value for name, value in signed.to_dict().items() if name != "format"},
            )


def verified_with(store: GatewayStore, witness: Checkpoint) -> list[str]:
    """What a verifier holding `witness` finds (the reasons), as `gwctl audit verify` does."""

    def work(session: Session) -> list[str]:
        verdict = verify_log(
            audit.stored_entries(session),
            checkpoints.all_checkpoints(session),
            store.signer.public_key,
            [Witness("witness.json", witness)],
        )
        return [problem.reason for problem in verdict.problems]

    return read_transaction(store.engine, work)


def latest(store: GatewayStore) -> Checkpoint:
    found = store.latest_checkpoint()
    assert found is not None
    return found


def test_an_intact_log_verifies_with_its_newest_checkpoint(store: GatewayStore) -> None:
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.entries, verdict.checkpoint_seq) == (True, 4, 4)


def test_a_rewrite_with_recomputed_hashes_and_head_is_detected_at_its_entry(
    store: GatewayStore,
) -> None:
    rewrite(store, 3, "bob@web")
    verdict = store.verify_audit()
    assert not verdict.ok
    assert verdict.first_broken is not None
    assert verdict.first_broken.seq == 3
    assert "hashes recomputed" in verdict.first_broken.reason


def test_a_rewrite_that_also_fixes_the_checkpoints_hashes_is_detected(
    store: GatewayStore,
) -> None:
    rewrite(store, 2, "bob@web")
    with store.engine.begin() as connection:
        for seq, head in connection.execute(sa.text("SELECT seq, hash FROM audit_log")).all():
            connection.execute(
                sa.text("UPDATE audit_checkpoints SET hash = :h WHERE seq = :s"),
                {"h": head, "s": seq},
            )
    verdict = store.verify_audit()
    assert verdict.first_broken is not None
    assert verdict.first_broken.seq == 2
    assert "signature fails" in verdict.first_broken.reason


def test_the_store_refuses_to_sign_over_a_rewritten_log(store: GatewayStore) -> None:
    rewrite(store, 4, "bob@web")
    with pytest.raises(AuditBroken, match="no longer continues its checkpoint at entry 4"):
        store.create_gateway(infobip(key="infobip-two", name="Infobip II"), ADMIN)
    assert [g.key for g in store.list_gateways().items] == [
        "clickatell-main",
        "infobip-primary",
        "twilio-us",
    ]


def test_deleting_the_newest_entries_is_caught_by_a_checkpoint_taken_before(
    store: GatewayStore,
) -> None:
    witness = latest(store)
    truncate(store, keep=2)
    assert store.verify_audit().ok  # without a witness, a consistent shorter log is all there is
    assert verified_with(store, witness) == [
        "witness.json witnessed entry 4, but the log ends at entry 2: entries were deleted "
        "from the end"
    ]


def test_a_rewrite_by_a_holder_of_the_signing_key_is_caught_by_an_older_checkpoint(
    store: GatewayStore, key_file: Path
) -> None:
    witness = latest(store)
    store.create_gateway(infobip(key="infobip-two", name="Infobip II"), ADMIN)
    rewrite(store, 2, "bob@web")
    resign_everything(store, key_file)
    assert store.verify_audit().ok  # every signature is the store's own
    assert verified_with(store, witness) == [
        "entry 4 is not the entry witness.json witnessed: the log up to it was rewritten after "
        "that checkpoint was taken"
    ]


def test_a_witness_of_an_intact_log_still_matches(store: GatewayStore) -> None:
    witness = latest(store)
    store.create_gateway(infobip(key="infobip-two", name="Infobip II"), ADMIN)
    assert verified_with(store, witness) == []


def test_a_forged_witness_is_refused(store: GatewayStore) -> None:
    forged = dataclasses.replace(latest(store), seq=3)
    assert "signature does not verify" in verified_with(store, forged)[0]


def test_entries_appended_outside_the_store_are_not_covered(store: GatewayStore) -> None:
    append_forged(store)
    verdict = store.verify_audit()
    assert verdict.first_broken is not None
    assert verdict.first_broken.seq == 5
    assert "not covered by a signed checkpoint" in verdict.first_broken.reason


def test_an_entry_deleted_in_the_middle_is_detected_where_the_chain_breaks(
    store: GatewayStore,
) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq = 2"))
    verdict = store.verify_audit()
    assert verdict.first_broken is not None
    assert (verdict.first_broken.seq, verdict.first_broken.reason) == (
        3,
        "entries 2 to 2 are missing",
    )


def test_two_entries_swapped_are_detected(store: GatewayStore) -> None:
    with store.engine.begin() as connection:
        for old, new in ((2, 100), (3, 2), (100, 3)):
            connection.execute(
                sa.text("UPDATE audit_log SET seq = :new WHERE seq = :old"),
                {"new": new, "old": old},
            )
    verdict = store.verify_audit()
    assert verdict.first_broken is not None
    assert verdict.first_broken.seq == 2
    assert "prev_hash does not match" in verdict.first_broken.reason
