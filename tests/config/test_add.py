"""`gwctl add` without a terminal: every value from options, the environment or stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.accounts import TWILIO_SID, account
from tests.support.age import AgeIdentity
from tests.support.canaries import CANARY, CANARY_HEX
from tests.support.cli import Outcome, invoke
from tests.support.repos import ConfigDirFactory, ConfigRepo


@pytest.fixture
def repo(config_dir: ConfigDirFactory, sops_env: AgeIdentity) -> ConfigRepo:
    return config_dir({"infobip-eu": account("infobip", "Infobip I", sending_pattern="batch")})


def add(repo: ConfigRepo, *args: str, stdin: str | None = None) -> Outcome:
    from click.testing import CliRunner

    from gwctl.cli.main import cli

    result = CliRunner().invoke(
        cli, ["-C", str(repo.root), "add", *args], input=stdin, catch_exceptions=False
    )
    return Outcome(result.exit_code, result.stdout, result.stderr)


TWILIO_STDIN = f"account_sid={TWILIO_SID}\nauth_token={CANARY_HEX}\n"


def add_twilio_us(
    repo: ConfigRepo,
    *options: str,
    name: str = "Twilio US",
    sender: str = "SMSPLUS",
    stdin: str = TWILIO_STDIN,
) -> Outcome:
    """`gwctl add twilio twilio-us` with a name, a sender ID, the options given and the
    credentials on stdin."""
    return add(
        repo,
        "twilio",
        "twilio-us",
        "--name",
        name,
        "--fallback-sender-id",
        sender,
        *options,
        "--credentials-stdin",
        stdin=stdin,
    )


def test_add_writes_the_account_and_its_encrypted_secret(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(repo, sender="+15005550006")
    assert outcome.exit_code == 0, outcome.output
    assert "valid: twilio-us added" in outcome.stdout
    text = (repo.gateways / "twilio-us.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/twilio.schema.json\n")
    assert yaml.safe_load(text) == {
        "provider": "twilio",
        "name": "Twilio US",
        "status": "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "+15005550006",
    }
    assert "sops:" in (repo.gateways / "twilio-us.secret.yaml").read_text()
    assert invoke("validate", repo.root, "--decrypt").exit_code == 0


def test_add_never_puts_a_credential_in_clear_on_disk_or_screen(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(repo)
    assert CANARY_HEX not in outcome.output
    for path in repo.root.rglob("*"):
        if path.is_file():
            assert CANARY_HEX.encode() not in path.read_bytes(), path


def test_add_reads_credentials_from_named_environment_variables(
    repo: ConfigRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLICKATELL_USER", "smsplus")
    monkeypatch.setenv("CLICKATELL_PASSWORD", CANARY)
    outcome = add(
        repo,
        "clickatell",
        "clickatell-za",
        "--name",
        "Clickatell ZA",
        "--status",
        "inactive",
        "--sending-pattern",
        "batch",
        "--fallback-sender-id",
        "SMSPLUS",
        "--credential-env",
        "username=CLICKATELL_USER",
        "--credential-env",
        "password=CLICKATELL_PASSWORD",
    )
    assert outcome.exit_code == 0, outcome.output
    assert invoke("validate", repo.root, "--decrypt").exit_code == 0


def test_add_without_a_terminal_lists_every_missing_value_and_writes_nothing(
    repo: ConfigRepo,
) -> None:
    outcome = add(repo, "infobip", "infobip-us")
    assert outcome.exit_code == 1
    for missing in (
        "--name",
        "--sending-pattern",
        "--fallback-sender-id",
        "credential api_key",
        "credential secret_key",
    ):
        assert missing in outcome.stderr
    assert "no terminal to ask on" in outcome.stderr
    assert not (repo.gateways / "infobip-us.yaml").exists()
    assert not (repo.gateways / "infobip-us.secret.yaml").exists()


def test_add_refuses_a_value_the_schema_refuses_and_says_why(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(
        repo,
        "--sending-pattern",
        "batch",
        sender="FAR-TOO-LONG-SENDER",
        stdin=f"account_sid=AC123\nauth_token={CANARY_HEX}\n",
    )
    assert outcome.exit_code == 1
    assert "--sending-pattern: choose one of: loop" in outcome.stderr
    assert "--fallback-sender-id: 'fallback_sender_id' (Fallback Sender ID) must be" in (
        outcome.stderr
    )
    assert "credential account_sid: 'account_sid' (SID) must be a Twilio account SID" in (
        outcome.stderr
    )
    assert not (repo.gateways / "twilio-us.yaml").exists()


def test_add_refuses_a_name_another_account_has_ignoring_case(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(repo, name="INFOBIP i")
    assert outcome.exit_code == 1
    assert "already used by gateways.d/infobip-eu.yaml" in outcome.stderr


def test_add_refuses_a_key_that_has_a_file(repo: ConfigRepo) -> None:
    outcome = add(repo, "infobip", "infobip-eu", "--name", "Other")
    assert outcome.exit_code == 1
    assert "gateways.d/infobip-eu.yaml already exists" in outcome.stderr


@pytest.mark.parametrize(
    ("provider", "key", "message"),
    [
        ("vonage", "vonage-uk", "unknown provider 'vonage'"),
        ("twilio", "Twilio_US", "cannot be an account key"),
    ],
)
def test_add_refuses_an_unknown_provider_or_a_bad_key(
    repo: ConfigRepo, provider: str, key: str, message: str
) -> None:
    outcome = add(repo, provider, key)
    assert outcome.exit_code == 1
    assert message in outcome.stderr


def test_add_refuses_a_credential_the_provider_does_not_have(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(repo, stdin=TWILIO_STDIN + "password=x\n")
    assert outcome.exit_code == 1
    assert "password: not a field of a Twilio account" in outcome.stderr


def test_add_checks_the_logo_file(repo: ConfigRepo) -> None:
    outcome = add_twilio_us(repo, "--logo", "logos/missing.png")
    assert outcome.exit_code == 1
    assert "logo file 'logos/missing.png' not found" in outcome.stderr


def test_add_in_a_folder_without_gateways_d_says_to_run_init(tmp_path: Path) -> None:
    outcome = invoke("-C", tmp_path, "add", "twilio", "twilio-us")
    assert outcome.exit_code == 1
    assert "run `gwctl init` first" in outcome.stderr


def test_add_writes_the_editor_schemas_its_schema_line_points_at(repo: ConfigRepo) -> None:
    add_twilio_us(repo)
    assert (repo.root / "schema" / "twilio.schema.json").is_file()
    assert (repo.root / "schema" / "common.schema.json").is_file()
