"""`--init`: one first admin token however often the server starts, written once to a private
new file or stderr, and never into the access log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gwctl.store.errors import StoreConfigError
from gwctl.store.first_admin import initialise
from gwctl.store.server import create_admin_token, named_tokens
from gwctl.store.service import GatewayStore
from tests.support.servers import free_port
from tests.support.serving import entry_point, launch


def _token_in(stderr: str) -> str | None:
    """The token of the one "admin token (shown once...)" line, or None."""
    lines = [line for line in stderr.splitlines() if line.startswith("admin token (shown once")]
    assert len(lines) <= 1
    return lines[0].rsplit(" ", 1)[1] if lines else None


def _admins(database_url: str) -> list[str]:
    return [info.name for info in named_tokens(database_url) if info.role == "admin"]


def test_init_twice_creates_one_admin_token(database_url: str, key_file: Path) -> None:
    first, second = io.StringIO(), io.StringIO()

    token = initialise(database_url, key_file=key_file, token_file=None, stream=first)
    again = initialise(database_url, key_file=key_file, token_file=None, stream=second)

    assert again is None
    assert first.getvalue() == f"admin token (shown once, keep it safe): {token}\n"
    assert second.getvalue() == ""
    assert _admins(database_url) == ["admin"]


def test_a_store_with_any_admin_token_is_initialised_already(
    database_url: str, key_file: Path
) -> None:
    create_admin_token(database_url, "ci", key_file=key_file)

    made = initialise(database_url, key_file=key_file, token_file=None, stream=io.StringIO())

    assert made is None
    assert _admins(database_url) == ["ci"]


def test_the_token_file_is_new_private_and_holds_the_token(tmp_path: Path) -> None:
    url, token_file = f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "admin.token"
    stream = io.StringIO()

    token = initialise(url, key_file=None, token_file=token_file, stream=stream)

    assert token_file.read_text() == f"{token}\n"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert stream.getvalue() == ""
    store = GatewayStore.open(url)
    try:
        assert store.authenticate(token or "") is not None
    finally:
        store.close()


def test_an_existing_token_file_is_refused_before_any_token_exists(tmp_path: Path) -> None:
    url, token_file = f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "admin.token"
    token_file.write_text("someone else's\n")

    with pytest.raises(StoreConfigError, match=f"the init token file {token_file} exists"):
        initialise(url, key_file=None, token_file=token_file, stream=io.StringIO())

    assert token_file.read_text() == "someone else's\n"
    assert _admins(url) == []


def test_a_token_file_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    url, token_file = f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "no" / "admin.token"

    with pytest.raises(StoreConfigError, match="No such file or directory"):
        initialise(url, key_file=None, token_file=token_file, stream=io.StringIO())

    assert _admins(url) == []


def test_serve_init_writes_the_token_to_stderr_never_into_the_access_log(tmp_path: Path) -> None:
    runs, listed = [], []
    for attempt in ("first", "second"):
        port = free_port()
        command = [*entry_point("gwctl serve", tmp_path), "--init", "--port", str(port)]
        served = launch(command, f"http://127.0.0.1:{port}", tmp_path / attempt)
        if (token := _token_in(served.stderr())) is not None:
            listed.append(
                served.get("/api/v1/gateways", headers={"Authorization": f"Bearer {token}"})
            )
        served.stop()
        runs.append(served)

    first, second = runs
    token = _token_in(first.stderr())
    assert token is not None
    assert [response.status_code for response in listed] == [200]
    assert "/api/v1/gateways" in first.stdout()
    assert token not in first.stdout()
    assert _token_in(second.stderr()) is None
    assert "already initialised" in second.stderr()
    assert _admins(f"sqlite:///{tmp_path / '.gwctl' / 'store.sqlite3'}") == ["admin"]
