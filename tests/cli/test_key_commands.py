"""`gwctl store rotate-key` from the command line: on the embedded store after an apply,
it says what it re-encrypted (key ids, never keys), and `gwctl plan` still shows no change."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gwctl.store.key_files import load_keyring
from tests.support.cli import invoke
from tests.support.repos import ConfigRepo
from tests.support.store_keys import seed


def test_rotate_key_keeps_the_plan_empty_and_prints_no_key(repo: ConfigRepo) -> None:
    repo.apply()
    (old,) = load_keyring(repo.key_file).keys
    result = repo.gwctl("store", "rotate-key")
    assert result.exit_code == 0, result.output
    (new,) = load_keyring(repo.key_file).keys
    first, second = result.output.splitlines()
    assert first.startswith("re-encrypted 8 credential values of 4 gateways under key ")
    assert second == f"{repo.key_file} holds the new key only: the old key decrypts nothing"
    for key in (old, new):
        assert base64.b64encode(key).decode() not in result.output
    plan = repo.gwctl("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output


def test_rotate_key_takes_the_key_file_from_gwctl_store_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'store.sqlite3'}"
    elsewhere = tmp_path / "kept-elsewhere" / "store.key"
    monkeypatch.delenv("GWCTL_STORE_KEY", raising=False)
    monkeypatch.setenv("GWCTL_STORE_KEY_FILE", str(elsewhere))
    seed(url, elsewhere)
    (old,) = load_keyring(elsewhere).keys
    outcome = invoke("-C", tmp_path, "store", "rotate-key", "--db", url)
    assert outcome.exit_code == 0, outcome.output
    assert str(elsewhere) in outcome.stdout
    assert load_keyring(elsewhere).keys != (old,)
    assert not (tmp_path / "db" / "store.key").exists()
