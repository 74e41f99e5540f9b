"""Where the store key lives: beside a SQLite database, or the file named by --key-file or
GWCTL_STORE_KEY_FILE; never a new key in whatever folder a server starts in. Every key error
names the file (or variable) it read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gwctl.store.crypto import generate_key
from gwctl.store.errors import StoreConfigError
from gwctl.store.key_files import KEY_FILE_ENV, load_keyring, write_keyring
from gwctl.store.service import GatewayStore
from tests.support.servers import free_port

KEY_VARIABLES = ("GWCTL_STORE_KEY", KEY_FILE_ENV, "GWCTL_AUDIT_SIGNING_KEY")
ENTRY_POINTS = {
    "gwctl serve": ["-m", "gwctl", "serve"],
    "python -m gwctl.store.server": ["-m", "gwctl.store.server"],
}


@pytest.fixture
def no_key_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_key_variables")
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_a_server_on_a_database_server_without_a_key_says_how_to_name_one(
    server_database_url: str, tmp_path: Path, entry: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [sys.executable, *ENTRY_POINTS[entry], "--db", server_database_url]
    completed = subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "--key-file or $GWCTL_STORE_KEY_FILE" in completed.stderr
    assert "or set GWCTL_STORE_KEY" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert list(elsewhere.iterdir()) == []  # no ./.gwctl, no key file made here


@pytest.mark.usefixtures("no_key_variables")
def test_gwctl_store_key_file_names_the_key_file_of_any_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "secrets" / "store.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(named))
    GatewayStore.open(database_url).close()
    assert stat.S_IMODE(named.stat().st_mode) == 0o600
    assert (named.parent / "audit-signing.key").is_file()  # the signing key lives beside it
    assert not (tmp_path / "store.key").exists()  # not beside the SQLite file: the named one


BAD_KEY_FILES = {
    "a folder": (None, "cannot read the store key: Is a directory"),
    "binary": (b"\xff\xfe\x00garbage", "the store key file is not base64 text"),
    "not base64": (b"this is not a key!\n", "the store key is not valid base64"),
    "too short": (b"c2hvcnQ=\n", "the store key must be 32 bytes"),
    "empty": (b"# only a comment\n\n", "holds no store key"),
}


@pytest.mark.usefixtures("no_key_variables")
@pytest.mark.parametrize("kind", list(BAD_KEY_FILES))
def test_a_key_file_that_is_not_a_key_is_an_error_naming_it(tmp_path: Path, kind: str) -> None:
    content, message = BAD_KEY_FILES[kind]
    key_file = tmp_path / "store.key"
    if content is None:
        key_file.mkdir()
    else:
        key_file.write_bytes(content)
    with pytest.raises(StoreConfigError) as raised:
        GatewayStore.open(f"sqlite:///{tmp_path / 'store.sqlite3'}", key_file=key_file)
    assert str(raised.value).startswith(f"{key_file}: ")
    assert message in str(raised.value)


def test_a_key_file_is_replaced_whole_private_and_without_leftovers(tmp_path: Path) -> None:
    key_file = tmp_path / "store.key"
    key_file.write_text(generate_key() + "\n", encoding="ascii")
    os.chmod(key_file, 0o644)
    first, second = (load_keyring(key_file).keys[0], b"\x07" * 32)
    write_keyring(key_file, [second, first])
    assert load_keyring(key_file).keys == (second, first)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["store.key"]
