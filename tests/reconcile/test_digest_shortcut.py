"""The digest shortcut never hides a changed secret.

Plan decrypts a secret file only when its SHA-256 differs from the `applied_digest` the store
recorded for the account (see gwctl/desired.py). These tests prove the three halves of that
promise with real sops, real age keys made in the test run and a real store:

1. a rotated secret (new file, new digest) is decrypted and shows as a sensitive change;
2. a live change of a credential through the store API (another token, as the web page does)
   resets `applied_digest`, so plan decrypts the unchanged file and detects the difference
   through the store's fingerprint;
3. an unchanged file with the store in sync is never decrypted: with `GWCTL_SOPS` pointing at
   a binary that does not exist, the no-op plan still succeeds (and a changed file fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import LiveStore

SENSITIVE_CHANGED = "(sensitive value changed)"


def _apply(repo: ConfigRepo) -> None:
    result = repo.gwctl("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert repo.gwctl("plan", "--detailed-exitcode").exit_code == 0


def _no_sops(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GWCTL_SOPS", str(tmp_path / "no-such-dir" / "sops"))


def test_a_rotated_secret_shows_as_a_sensitive_change(repo: ConfigRepo) -> None:
    _apply(repo)
    repo.write_secret("infobip-eu", {**SECRETS["infobip-eu"], "secret_key": "rotated-0001"})

    result = repo.gwctl("plan", "--detailed-exitcode")

    assert result.exit_code == 2, result.output
    assert "infobip-eu" in result.output
    assert f"secret_key: {SENSITIVE_CHANGED}" in result.output.replace("  ", " ")
    assert "rotated-0001" not in result.output


def test_a_re_encrypted_identical_secret_is_decrypted_but_changes_no_value(
    repo: ConfigRepo,
) -> None:
    _apply(repo)
    repo.write_secret("infobip-eu", SECRETS["infobip-eu"])  # same values, new ciphertext

    result = repo.gwctl("plan", "--format", "json", "--detailed-exitcode")

    assert result.exit_code == 2, result.output
    assert SENSITIVE_CHANGED not in result.output
    assert "secret_file_digest" in result.output  # only the recorded digest moves


def test_a_live_credential_change_is_detected_through_the_fingerprint(
    repo: ConfigRepo,
    remote: LiveStore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _apply(repo)
    web = remote.client("web-admin")  # another token, as the web page would write
    live = web.get("/api/v1/gateways/infobip-eu").json()
    assert live["applied_digest"]
    body = {
        name: live[name]
        for name in (
            "provider",
            "name",
            "status",
            "sending_pattern",
            "fallback_sender_id",
            "description",
            "signup_link",
        )
    }
    body["credentials"] = {"secret_key": "changed-on-the-web-page"}
    response = web.put(
        "/api/v1/gateways/infobip-eu", json=body, headers={"If-Match": str(live["version"])}
    )
    assert response.status_code == 200, response.text
    assert response.json()["applied_digest"] is None  # a write that is not gwctl's resets it

    result = repo.gwctl("plan", "--detailed-exitcode")  # the file digest did not change

    assert result.exit_code == 2, result.output
    assert f"secret_key: {SENSITIVE_CHANGED}" in result.output.replace("  ", " ")
    assert "changed-on-the-web-page" not in result.output
    assert "infobip-eu-api-key" not in result.output
    # and it needed the decryption: without sops this plan cannot be made
    _no_sops(monkeypatch, tmp_path)
    assert repo.gwctl("plan").exit_code == 1
    # apply restores git's value; afterwards the store is in sync again
    monkeypatch.delenv("GWCTL_SOPS")
    _apply(repo)
    assert web.get("/api/v1/gateways/infobip-eu").json()["applied_digest"]


def test_an_unchanged_secret_file_is_not_decrypted(
    repo: ConfigRepo,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _apply(repo)
    _no_sops(monkeypatch, tmp_path)

    result = repo.gwctl("plan", "--detailed-exitcode")

    assert result.exit_code == 0, result.output  # no sops run: every digest matched
    repo.edit_account("twilio-us", description="an account change needs no decryption")
    result = repo.gwctl("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output

    monkeypatch.delenv("GWCTL_SOPS")
    repo.write_secret("infobip-eu", {**SECRETS["infobip-eu"], "secret_key": "rotated-0002"})
    _no_sops(monkeypatch, tmp_path)
    result = repo.gwctl("plan", "--detailed-exitcode")
    assert result.exit_code == 1  # a changed file must be decrypted: without sops, an error
    assert "sops" in result.output


def test_an_unchanged_secret_file_is_not_decrypted_against_a_remote_store(
    repo: ConfigRepo,
    remote: LiveStore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _apply(repo)
    _no_sops(monkeypatch, tmp_path)

    result = repo.gwctl("plan", "--detailed-exitcode")

    assert result.exit_code == 0, result.output


def test_a_live_rewrite_of_the_same_credentials_is_not_called_a_re_encryption(
    repo: ConfigRepo, remote: LiveStore
) -> None:
    _apply(repo)
    web = remote.client("web-admin")
    live = web.get("/api/v1/gateways/infobip-eu").json()
    fields = ("provider", "name", "status", "sending_pattern", "fallback_sender_id")
    body = {name: live[name] for name in (*fields, "description", "signup_link")}
    body["credentials"] = {"secret_key": SECRETS["infobip-eu"]["secret_key"]}  # git's value
    response = web.put(
        "/api/v1/gateways/infobip-eu", json=body, headers={"If-Match": str(live["version"])}
    )
    assert response.status_code == 200, response.text

    result = repo.gwctl("plan")

    assert result.output.count("~ update") == 1
    assert "credentials last written outside gwctl, and they match the secret file" in (
        result.output
    )
    assert "re-encrypted" not in result.output
