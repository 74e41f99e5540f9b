"""Fingerprints under the repository's key, end to end: gwctl computes them, the store keeps
them, a value changed without gwctl loses its fingerprint, and a store upgraded from the old
salted ones is fingerprinted by the next apply."""

from __future__ import annotations

import sqlalchemy as sa

from gwctl.config.fingerprint_key import key_path, load_fingerprint_key
from gwctl.core.model import Secret
from gwctl.store.migrate import alembic_config
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import LiveStore


def fingerprints(store: LiveStore, key: str) -> dict[str, str | None]:
    credentials = store.client("reader").get(f"/api/v1/gateways/{key}").json()["credentials"]
    return {name: one["fingerprint"] for name, one in credentials.items()}


def test_apply_stores_the_fingerprints_gwctl_computed(repo: ConfigRepo, remote: LiveStore) -> None:
    repo.apply()
    key = load_fingerprint_key(repo.root)
    assert key is not None
    password = Secret(SECRETS["clickatell-africa"]["password"])
    stored = fingerprints(remote, "clickatell-africa")["password"]
    assert stored == key.fingerprint("password", password)


def test_a_credential_changed_on_the_web_page_is_sent_back_by_the_next_apply(
    repo: ConfigRepo, remote: LiveStore
) -> None:
    repo.apply()
    web = remote.client("web-admin")
    live = web.get("/api/v1/gateways/clickatell-africa").json()
    plain = ("name", "status", "sending_pattern", "fallback_sender_id")
    body = {name: live[name] for name in plain}
    body |= {"provider": "clickatell", "credentials": {"password": "changed-on-the-page"}}
    web.put(
        "/api/v1/gateways/clickatell-africa",
        json=body,
        headers={"If-Match": str(live["version"])},
    ).raise_for_status()
    assert fingerprints(remote, "clickatell-africa")["password"] is None
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "password: (sensitive value changed)" in plan.output
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_store_without_fingerprints_is_fingerprinted_by_the_next_apply(
    repo: ConfigRepo, remote: LiveStore
) -> None:
    repo.apply()
    engine = sa.create_engine(repo.database_url)
    with engine.begin() as connection:  # what migration 0005 does to the salted ones
        connection.execute(sa.text("UPDATE gateways SET secret_key_fingerprint = NULL"))
    engine.dispose()
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "credentials fingerprinted with the repository's key, values unchanged" in plan.output
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0
    assert all(fingerprints(remote, "infobip-eu").values())


def test_without_a_fingerprint_key_apply_still_converges(repo: ConfigRepo) -> None:
    key_path(repo.root).unlink()
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0
    repo.write_secret("infobip-eu", SECRETS["infobip-eu"])  # re-encrypted, same values
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "secret_key: (sensitive value changed)" in plan.output  # it cannot tell
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def test_a_store_of_today_upgraded_in_place_is_fingerprinted_by_the_first_apply(
    repo: ConfigRepo,
) -> None:
    repo.apply()
    engine = sa.create_engine(repo.database_url)
    with engine.begin() as connection:  # the store as the release before wrote it
        _downgrade(connection, "0004")
        connection.execute(
            sa.text("UPDATE gateways SET secret_key_fingerprint = :old WHERE key = 'infobip-eu'"),
            {"old": "hmac-sha256:c2FsdHNhbHRzYWx0c2FsdA:" + "0" * 64},
        )
    engine.dispose()
    plan = repo.gwctl("plan", "--detailed-exitcode")  # opens the store: migration 0005 runs
    assert plan.exit_code == 2
    assert "credentials fingerprinted with the repository's key, values unchanged" in plan.output
    repo.apply()
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0
    assert repo.gwctl("audit", "verify").exit_code == 0
    with sa.create_engine(repo.database_url).connect() as connection:
        stored = connection.execute(
            sa.text("SELECT secret_key_fingerprint FROM gateways WHERE key = 'infobip-eu'")
        ).scalar_one()
    assert stored.startswith("gwctl-hmac-sha256:")


def _downgrade(connection: sa.Connection, revision: str) -> None:
    """Take the store's schema back to `revision` with the migrations' own downgrades."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
