"""From the embedded SQLite store to PostgreSQL or MariaDB with `gwctl store backup` and
`restore`, as docs/backup.md tells an operator: afterwards a server on the new database
has nothing to plan, its audit log verifies against a checkpoint held before the move, its
credentials decrypt, and the tokens people had still work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gwctl.store.server import create_admin_token
from tests.support.canaries import assert_no_secret
from tests.support.databases import SERVER_DATABASES, fresh_database
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import start_server


@pytest.fixture(params=list(SERVER_DATABASES))
def new_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty PostgreSQL or MariaDB database."""
    yield from fresh_database(request.param)


def test_the_embedded_store_moves_to_a_database_server_with_nothing_to_plan(
    repo: ConfigRepo, new_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.apply("--checkpoint-out", str(tmp_path / "held.json"))  # logos, credentials, audit
    token = create_admin_token(repo.database_url, "ci")
    archive = tmp_path / "store.gwbackup"
    backed_up = repo.gwctl("store", "backup", str(archive))
    assert backed_up.exit_code == 0, backed_up.output
    assert "The archive holds no key" in backed_up.output
    restored = repo.gwctl("store", "restore", str(archive), "--db", new_database)
    assert restored.exit_code == 0, restored.output
    assert restored.output.rstrip().endswith("done")
    server = start_server(new_database, repo.key_file, tmp_path / "server.log")
    try:
        monkeypatch.setenv("GWCTL_STORE_URL", server.base_url)
        monkeypatch.setenv("GWCTL_TOKEN", token)  # made before the backup: still valid
        plan = repo.gwctl("plan", "--detailed-exitcode")
        assert plan.exit_code == 0, plan.output
        verified = repo.gwctl("audit", "verify", "--checkpoint", str(tmp_path / "held.json"))
        assert verified.exit_code == 0, verified.output
        twilio = httpx.get(
            f"{server.base_url}/api/v1/gateways/twilio-us",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert twilio["credentials"]["account_sid"]["value"] == SECRETS["twilio-us"]["account_sid"]
        assert twilio["logo"] is not None
    finally:
        server.stop()
    assert_no_secret(backed_up.output, restored.output, plan.output, server.log())
