"""The sops wrapper with the real sops binary and age keys generated in this run, and the
`Secret` type that keeps decrypted values out of every repr, message and pickle."""

from __future__ import annotations

import copy
import logging
import pickle
import time
from pathlib import Path

import pytest
import yaml

from gwctl.config import secrets
from gwctl.config.secrets import (
    SecretError,
    SopsNotFoundError,
    check_encrypted,
    decrypt_file,
    decrypt_many,
    encrypt_to_file,
    sops_command,
)
from gwctl.config.strict_yaml import load_file
from gwctl.core.model import Secret
from tests.support.accounts import account
from tests.support.age import AgeIdentity, sops_rules
from tests.support.canaries import CANARY, assert_no_secret
from tests.support.repos import ConfigDirFactory, ConfigRepo

VALUES = {"api_key": "infobip-api-key-0001", "secret_key": CANARY}


def _secret_file(repo: ConfigRepo, key: str = "acct", values: dict[str, str] | None = None) -> Path:
    return repo.write_secret(key, values or VALUES)


# --- Secret ---------------------------------------------------------------------------------


def _log_line(value: object) -> str:
    return logging.makeLogRecord({"msg": "using %s", "args": (value,)}).getMessage()


def test_secret_repr_and_str_never_show_the_value() -> None:
    secret = Secret(CANARY)

    shown = [
        repr(secret),
        str(secret),
        f"{secret!r}",
        repr([secret]),
        _log_line(secret),
        repr({"k": secret}),
    ]

    assert_no_secret(*shown)
    assert repr(secret) == "Secret('••••')"


def test_secret_reveals_its_value_only_when_asked() -> None:
    assert Secret(CANARY).reveal() == CANARY


def test_secret_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(CANARY))


def test_secret_cannot_be_copied_through_the_pickle_protocol() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        copy.deepcopy({"secret": Secret(CANARY)})


def test_secrets_compare_by_value_without_showing_it() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert len({Secret("a"), Secret("a")}) == 1


# --- decrypting --------------------------------------------------------------------------------


@pytest.mark.usefixtures("sops_env")
def test_decrypt_file_returns_every_value_as_a_secret(config_dir: ConfigDirFactory) -> None:
    path = _secret_file(config_dir())

    values = decrypt_file(path, "gateways.d/acct.secret.yaml")

    assert values == {name: Secret(value) for name, value in VALUES.items()}
    assert all(isinstance(value, Secret) for value in values.values())


@pytest.mark.usefixtures("no_sops_key")
def test_decrypt_file_with_the_key_in_sops_age_key(
    config_dir: ConfigDirFactory, age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _secret_file(config_dir())
    monkeypatch.setenv("SOPS_AGE_KEY", age_identity.secret_key)

    assert decrypt_file(path, "x")["secret_key"].reveal() == CANARY


@pytest.mark.usefixtures("sops_env")
def test_decrypt_file_of_a_file_for_another_key_says_no_key_can_decrypt_it(
    config_dir: ConfigDirFactory, other_age_identity: AgeIdentity
) -> None:
    repo = config_dir()
    path = repo.write_secret("acct", VALUES, recipient=other_age_identity.public_key)

    with pytest.raises(SecretError, match="no key available can decrypt this file") as caught:
        decrypt_file(path, "gateways.d/acct.secret.yaml")

    assert_no_secret(str(caught.value))


@pytest.mark.usefixtures("sops_env")
def test_decrypt_file_of_a_plaintext_file_says_it_is_not_encrypted(
    config_dir: ConfigDirFactory,
) -> None:
    path = config_dir().write_plain("gateways.d/acct.secret.yaml", f"secret_key: {CANARY}\n")

    with pytest.raises(SecretError, match="not encrypted with sops") as caught:
        decrypt_file(path, "gateways.d/acct.secret.yaml")

    assert_no_secret(str(caught.value))


@pytest.mark.usefixtures("sops_env")
def test_decrypt_many_returns_values_or_the_error_of_each_file(
    config_dir: ConfigDirFactory, other_age_identity: AgeIdentity
) -> None:
    repo = config_dir()
    good = _secret_file(repo, "good")
    foreign = repo.write_secret("foreign", VALUES, recipient=other_age_identity.public_key)
    plain = repo.write_plain("gateways.d/plain.secret.yaml", "secret_key: visible\n")

    results = decrypt_many({"good": good, "foreign": foreign, "plain": plain})

    assert results["good"] == {name: Secret(value) for name, value in VALUES.items()}
    assert isinstance(results["foreign"], SecretError)
    assert "no key available" in str(results["foreign"])
    assert isinstance(results["plain"], SecretError)
    assert "not encrypted" in str(results["plain"])


@pytest.fixture
def slow_sops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GWCTL_SOPS is a wrapper that logs when each call starts and ends, and waits a little
    before running the real sops, so that overlapping calls show in the log."""
    real = sops_command()
    log = tmp_path / "sops-calls.log"
    wrapper = tmp_path / "slow-sops"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "start $(date +%s.%N)" >> "{log}"\n'
        "sleep 0.4\n"
        f'"{real}" "$@"; status=$?\n'
        f'echo "end $(date +%s.%N)" >> "{log}"\n'
        "exit $status\n"
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("GWCTL_SOPS", str(wrapper))
    return log


@pytest.mark.usefixtures("sops_env")
def test_decrypt_many_runs_the_sops_calls_concurrently(
    config_dir: ConfigDirFactory, slow_sops: Path
) -> None:
    repo = config_dir()
    files = {f"f{n}": _secret_file(repo, f"acct{n}") for n in range(4)}

    began = time.monotonic()
    results = decrypt_many(files, max_workers=4)
    elapsed = time.monotonic() - began

    assert all(isinstance(result, dict) for result in results.values())
    events = [line.split() for line in slow_sops.read_text().splitlines()]
    starts = [float(at) for kind, at in events if kind == "start"]
    ends = [float(at) for kind, at in events if kind == "end"]
    assert len(starts) == len(ends) == 4
    assert max(starts) < min(ends), "each call waited for the previous one"
    assert elapsed < 4 * 0.4


@pytest.mark.usefixtures("sops_env")
def test_decrypt_many_reports_progress_once_per_file(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    files = {f"f{n}": _secret_file(repo, f"acct{n}") for n in range(3)}
    ticks: list[int] = []

    decrypt_many(files, progress=ticks.append)

    assert ticks == [1, 1, 1]


# --- the sops binary ---------------------------------------------------------------------------


def test_gwctl_sops_names_the_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GWCTL_SOPS", "/opt/sops/bin/sops")

    assert sops_command() == "/opt/sops/bin/sops"


def test_the_bundled_sops_is_used_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GWCTL_SOPS", raising=False)

    assert Path(sops_command()).is_file()


@pytest.mark.usefixtures("sops_env")
def test_a_missing_sops_binary_is_a_clear_error_on_decrypt(
    config_dir: ConfigDirFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _secret_file(config_dir())
    monkeypatch.setenv("GWCTL_SOPS", "/nonexistent/sops")

    with pytest.raises(SopsNotFoundError) as caught:
        decrypt_file(path, "gateways.d/acct.secret.yaml")

    assert str(caught.value) == (
        "the sops binary '/nonexistent/sops' named by GWCTL_SOPS "
        "could not be run: fix GWCTL_SOPS or unset it to use the "
        "bundled sops"
    )


def test_a_missing_sops_binary_is_a_clear_error_on_encrypt(
    config_dir: ConfigDirFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = config_dir()
    monkeypatch.setenv("GWCTL_SOPS", "/nonexistent/sops")

    with pytest.raises(SopsNotFoundError, match="could not be run"):
        encrypt_to_file({"secret_key": Secret(CANARY)}, repo.gateways / "x.secret.yaml", repo.root)

    assert not (repo.gateways / "x.secret.yaml").exists()


@pytest.mark.usefixtures("sops_env")
def test_a_sops_call_that_hangs_is_stopped_by_the_timeout(
    config_dir: ConfigDirFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _secret_file(config_dir())
    hanging = tmp_path / "hanging-sops"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(0o755)
    monkeypatch.setenv("GWCTL_SOPS", str(hanging))
    monkeypatch.setattr(secrets, "SOPS_TIMEOUT_SECONDS", 0.3)

    with pytest.raises(SecretError, match="did not finish decrypting"):
        decrypt_file(path, "x")


# --- encrypting --------------------------------------------------------------------------------


def _tree(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


@pytest.mark.usefixtures("sops_env")
def test_encrypt_to_file_writes_only_the_encrypted_file(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    target = repo.gateways / "new.secret.yaml"
    before = _tree(repo.root)

    encrypt_to_file({name: Secret(value) for name, value in VALUES.items()}, target, repo.root)

    assert _tree(repo.root) - before == {"gateways.d/new.secret.yaml"}
    text = target.read_text()
    assert_no_secret(text)
    assert "infobip-api-key-0001" not in text
    document = load_file(target, "gateways.d/new.secret.yaml")
    assert check_encrypted(document, VALUES) == []
    assert decrypt_file(target, "x") == {k: Secret(v) for k, v in VALUES.items()}


@pytest.mark.usefixtures("sops_env")
def test_encrypt_to_file_replaces_an_existing_file_whole(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    target = _secret_file(repo)

    encrypt_to_file(
        {"api_key": Secret("replaced-key-01"), "secret_key": Secret("s" * 8)}, target, repo.root
    )

    assert sorted(p.name for p in repo.gateways.glob("acct*")) == ["acct.secret.yaml"]
    assert decrypt_file(target, "x")["api_key"].reveal() == "replaced-key-01"


def test_encrypt_to_file_follows_the_recipients_of_sops_yaml(
    config_dir: ConfigDirFactory, other_age_identity: AgeIdentity, age_identity: AgeIdentity
) -> None:
    repo = config_dir()
    (repo.root / ".sops.yaml").write_text(sops_rules(other_age_identity.public_key))
    target = repo.gateways / "x.secret.yaml"

    encrypt_to_file({"secret_key": Secret(CANARY)}, target, repo.root)

    recipients = [entry["recipient"] for entry in yaml.safe_load(target.read_text())["sops"]["age"]]
    assert recipients == [other_age_identity.public_key]
    assert age_identity.public_key not in target.read_text()


def test_encrypt_without_a_matching_creation_rule_fails_cleanly(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir()
    (repo.root / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: elsewhere/.*\n    age: age1nobody\n"
    )
    target = repo.gateways / "x.secret.yaml"
    before = _tree(repo.root)

    with pytest.raises(SecretError, match=r"does \.sops\.yaml have a creation rule") as caught:
        encrypt_to_file({"secret_key": Secret(CANARY)}, target, repo.root)

    assert_no_secret(str(caught.value))
    assert _tree(repo.root) == before


# --- credentials are text, exactly as written ----------------------------------------------------

CLICKATELL_FILE = "gateways.d/acct.secret.yaml"


@pytest.mark.parametrize(
    ("typed", "position", "written_as"),
    [
        ("username: smsplus\npassword: 0123\n", "2:11", "a number (sops recorded type:int)"),
        ("username: 007\npassword: secret\n", "1:11", "a number (sops recorded type:int)"),
        ("username: smsplus\npassword: 1e3\n", "2:11", "a number (sops recorded type:float)"),
        ("username: smsplus\npassword: 1.10\n", "2:11", "a number (sops recorded type:float)"),
        ("username: smsplus\npassword: true\n", "2:11", "a boolean (sops recorded type:bool)"),
    ],
)
def test_a_credential_sops_typed_as_no_text_is_an_error_without_a_key(
    config_dir: ConfigDirFactory, no_sops_key: None, typed: str, position: str, written_as: str
) -> None:
    repo = config_dir({"acct": account("clickatell")}, secrets={"acct": None})
    repo.write_secret_as_typed("acct", typed)  # encrypting needs only the recipient

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert outcome.stdout.startswith(f"{CLICKATELL_FILE}:{position}: ")
    assert f"was written as {written_as}" in outcome.stdout
    assert "quote it in `sops edit gateways.d/acct.secret.yaml`" in outcome.stdout


def test_an_empty_credential_is_said_to_be_empty_not_unencrypted(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir({"acct": account("clickatell")}, secrets={"acct": None})
    repo.write_secret_as_typed("acct", "username: smsplus\npassword: ''\n")

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert outcome.stdout.startswith(
        f"{CLICKATELL_FILE}:2:11: 'password' has no value: put the credential in it with "
        f"`sops edit {CLICKATELL_FILE}`"
    )
    assert "not encrypted" not in outcome.stdout


def test_decrypting_refuses_a_value_that_is_not_text(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir({"acct": account("clickatell")}, secrets={"acct": None})
    path = repo.write_secret_as_typed("acct", "username: 007\npassword: 0123\n")

    with pytest.raises(SecretError) as refused:
        decrypt_file(path, CLICKATELL_FILE)

    assert str(refused.value) == (
        "'password', 'username' are not text: quote the value in "
        f"`sops edit {CLICKATELL_FILE}` (e.g. password: '0123'); gwctl never converts a credential"
    )


def test_validate_with_the_key_reports_the_typed_credential_too(
    config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir({"acct": account("clickatell")}, secrets={"acct": None})
    repo.write_secret_as_typed("acct", "username: smsplus\npassword: 0123\n")

    outcome = repo.validate("--decrypt")

    assert outcome.exit_code == 1
    assert "2:11: 'password' was written as a number" in outcome.stdout
    assert "1 problem in 1 file" in outcome.stdout
