"""`gwctl validate` on good input, every problem in one run, and its three output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gwctl.config.validate import validate
from tests.support.accounts import account, valid_credentials
from tests.support.age import AgeIdentity
from tests.support.cli import assert_clean, invoke, run_gwctl
from tests.support.paths import REPO_ROOT
from tests.support.repos import ConfigDirFactory
from tests.support.samples import JPEG

DEMO_KEY = REPO_ROOT / "demo-keys" / "DEMO-ONLY-age-key.txt"

THREE_PROVIDERS = {
    "infobip-eu": account(
        "infobip",
        "Infobip I",
        sending_pattern="batch",
        logo="logos/logo.png",
        description="EU marketing",
        signup_link="https://www.infobip.com/signup",
    ),
    "clickatell-africa": account("clickatell", "Clickatell", status="inactive"),
    "twilio-us": account("twilio", "Twilio US", fallback_sender_id="+15005550006"),
}


# --- the shipped example ------------------------------------------------------------------------


@pytest.mark.usefixtures("no_sops_key")
def test_shipped_example_validates_without_any_key() -> None:
    outcome = invoke("validate", REPO_ROOT)

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.strip() == "valid: 4 accounts, no problems"


def test_shipped_example_validates_with_decrypt_and_the_demo_key(
    no_sops_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(DEMO_KEY))

    outcome = run_gwctl("validate", "--decrypt", REPO_ROOT)

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.strip() == "valid: 4 accounts, no problems"


@pytest.mark.usefixtures("no_sops_key")
def test_shipped_example_with_decrypt_but_no_key_names_each_file_it_cannot_open() -> None:
    outcome = invoke("validate", "--decrypt", REPO_ROOT)

    assert outcome.exit_code == 1
    assert_clean(outcome)
    lines = outcome.stdout.splitlines()
    assert len(lines) == 5
    assert all(
        line.endswith(
            "(or SOPS_AGE_KEY) to the age identity of one of its recipients, "
            "or ask a recipient to re-encrypt it with `sops updatekeys` for "
            "yours"
        )
        for line in lines[:4]
    )
    assert lines[-1] == "4 problems in 4 files"


@pytest.mark.usefixtures("no_sops_key")
def test_validate_uses_the_directory_given_with_dash_c(tmp_path: Path) -> None:
    outcome = run_gwctl("-C", REPO_ROOT, "validate", cwd=tmp_path)

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize("args", [("validate", "gateways.d"), ("-C", "gateways.d", "validate")])
def test_the_gateways_d_folder_stands_for_its_repository(args: tuple[str, ...]) -> None:
    outcome = run_gwctl(*args, cwd=REPO_ROOT)

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith("valid: 4 accounts")


def test_a_repository_with_a_gateways_d_inside_gateways_d_keeps_it(tmp_path: Path) -> None:
    nested = tmp_path / "gateways.d"
    (nested / "gateways.d").mkdir(parents=True)

    outcome = invoke("validate", nested)

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith("valid: 0 accounts")


@pytest.mark.usefixtures("no_sops_key")
def test_validate_defaults_to_the_current_directory() -> None:
    outcome = run_gwctl("validate", cwd=REPO_ROOT)

    assert outcome.exit_code == 0, outcome.output


def test_a_directory_without_gateways_d_is_one_clear_problem(tmp_path: Path) -> None:
    outcome = invoke("validate", tmp_path)

    assert outcome.exit_code == 1
    assert outcome.stdout.splitlines()[0] == (
        f"gateways.d: no gateways.d/ directory in {tmp_path}: run gwctl in the config "
        "repository's root or pass it as an argument"
    )


# --- generated repositories ---------------------------------------------------------------------


@pytest.mark.usefixtures("no_sops_key")
def test_accounts_of_all_three_providers_validate_without_a_key(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir(THREE_PROVIDERS)

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.strip() == "valid: 3 accounts, no problems"


@pytest.mark.usefixtures("sops_env")
def test_accounts_of_all_three_providers_validate_with_decrypt(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir(THREE_PROVIDERS)

    outcome = repo.validate("--decrypt")

    assert outcome.exit_code == 0, outcome.output
    assert_clean(outcome)


def test_the_key_given_in_sops_age_key_decrypts_too(
    config_dir: ConfigDirFactory,
    no_sops_key: None,
    age_identity: AgeIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY", age_identity.secret_key)
    repo = config_dir(THREE_PROVIDERS)

    outcome = repo.validate("--decrypt")

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.usefixtures("no_sops_key")
def test_boundary_values_are_accepted(config_dir: ConfigDirFactory) -> None:
    repo = config_dir(
        {
            "longest": account(
                name="N" * 64,
                description="d" * 500,
                fallback_sender_id="A" * 11,
                signup_link="http://example.com",
            ),
            "numeric": account(name="Numeric", fallback_sender_id="+" + "1" * 15),
            "spaced": account(name="Spaced", fallback_sender_id="SMS PLUS 1"),
            "one-char": account(name="x", fallback_sender_id="X"),
        }
    )

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.usefixtures("no_sops_key")
def test_an_account_file_saved_by_a_windows_editor_is_accepted(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir()
    text = "\ufeff" + "".join(f"{k}: {v}\r\n" for k, v in account().items())
    repo.add("windows", text.encode("utf-8"), secrets=valid_credentials("infobip"))

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.usefixtures("no_sops_key")
def test_positions_count_from_after_a_byte_order_mark_and_crlf_line_ends(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir()
    text = "\ufeff" + "".join(f"{k}: {v}\r\n" for k, v in account(status="on").items())
    repo.add("windows", text.encode("utf-8"), secrets=valid_credentials("infobip"))

    outcome = repo.validate()

    assert outcome.stdout.startswith("gateways.d/windows.yaml:3:9: 'on' is ambiguous")


@pytest.mark.usefixtures("no_sops_key")
def test_a_symlink_that_stays_inside_the_config_dir_is_accepted(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir()
    shared = repo.write_plain(
        "shared/infobip.yaml",
        "provider: infobip\nname: Linked\n"
        "status: active\nsending_pattern: loop\n"
        "fallback_sender_id: SMSPLUS\n",
    )
    (repo.gateways / "linked.yaml").symlink_to(shared)
    repo.write_secret("linked", {"api_key": "infobip-api-key-0001", "secret_key": "s" * 8})

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.usefixtures("no_sops_key")
def test_a_jpeg_logo_is_accepted_and_read(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    repo.write_plain("gateways.d/logos/photo.jpg", JPEG)
    repo.add("branded", account(logo="logos/photo.jpg"))

    config = validate(repo.root)

    assert config.valid, config.problems
    logo = config.accounts[0].account.logo
    assert logo is not None
    assert (logo.path, logo.content_type) == ("logos/photo.jpg", "image/jpeg")


@pytest.mark.usefixtures("no_sops_key")
def test_files_that_are_not_account_files_are_ignored(config_dir: ConfigDirFactory) -> None:
    repo = config_dir(THREE_PROVIDERS)
    repo.write_plain("gateways.d/README.md", "# accounts\n")
    repo.write_plain("gateways.d/.hidden.yaml", "not: [an account")

    outcome = repo.validate()

    assert outcome.exit_code == 0, outcome.output


@pytest.mark.usefixtures("no_sops_key")
def test_loaded_accounts_carry_every_field_and_their_files(config_dir: ConfigDirFactory) -> None:
    repo = config_dir(THREE_PROVIDERS)

    config = validate(repo.root)

    by_key = {loaded.account.key: loaded.account for loaded in config.accounts}
    assert sorted(by_key) == ["clickatell-africa", "infobip-eu", "twilio-us"]
    infobip = by_key["infobip-eu"]
    assert (infobip.provider, infobip.name, infobip.sending_pattern) == (
        "infobip",
        "Infobip I",
        "batch",
    )
    assert infobip.account_file == "gateways.d/infobip-eu.yaml"
    assert infobip.secret_file == "gateways.d/infobip-eu.secret.yaml"
    assert infobip.account_digest.startswith("sha256:")
    assert infobip.logo is not None
    assert infobip.logo.content_type == "image/png"


# --- every problem in one run -------------------------------------------------------------------


@pytest.fixture
def broken_repo(config_dir: ConfigDirFactory, no_sops_key: None) -> Path:
    """Several broken files at once; `EXPECTED_PROBLEMS` lists what validate must say."""
    repo = config_dir({"good": account(name="Good")})
    repo.add("b-twilio", account("twilio", "Twilio", sending_pattern="batch", status="on"))
    repo.add("a-infobip", account(name="Good ", fallback_sender_id="TOO-LONG-SENDER"))
    repo.write_account("c-orphanless", account(name="No Secret"))
    repo.write_secret("d-lonely", {"api_key": "x" * 8, "secret_key": "y" * 8})
    repo.write_plain("gateways.d/e-list.yaml", "- a\n- b\n")
    repo.write_secret("e-list", {"api_key": "x" * 8, "secret_key": "y" * 8})
    return repo.root


EXPECTED_PROBLEMS = [
    "gateways.d/a-infobip.yaml:5:21: 'fallback_sender_id' (Fallback Sender ID) must be an "
    "alphanumeric sender ID",
    "gateways.d/b-twilio.yaml:3:9: 'status' (Status) must be one of: active, inactive",
    "gateways.d/b-twilio.yaml:4:18: 'sending_pattern' (Sending Pattern) must be 'loop'",
    "gateways.d/c-orphanless.yaml: no secret file gateways.d/c-orphanless.secret.yaml",
    "gateways.d/d-lonely.secret.yaml: secret file without an account file",
    "gateways.d/e-list.yaml:1:1: expected a mapping of fields (key: value), not a list",
]


def test_every_problem_is_reported_in_one_run_sorted_by_file_and_line(broken_repo: Path) -> None:
    outcome = invoke("validate", broken_repo)

    assert outcome.exit_code == 1
    assert_clean(outcome)
    lines = outcome.stdout.splitlines()
    assert len(lines) == len(EXPECTED_PROBLEMS) + 1
    for line, expected in zip(lines, EXPECTED_PROBLEMS, strict=False):
        assert line.startswith(expected)
    assert lines[-1] == "6 problems in 5 files"


def test_json_format_lists_every_problem_with_its_location(broken_repo: Path) -> None:
    outcome = invoke("validate", "--format", "json", broken_repo)

    assert outcome.exit_code == 1
    report = json.loads(outcome.stdout)
    assert report["format_version"] == 1
    assert report["valid"] is False
    assert report["accounts"] == 1
    places = [(p["file"], p["line"], p["column"], p["code"]) for p in report["problems"]]
    assert places == [
        ("gateways.d/a-infobip.yaml", 5, 21, "pattern"),
        ("gateways.d/b-twilio.yaml", 3, 9, "enum"),
        ("gateways.d/b-twilio.yaml", 4, 18, "const"),
        ("gateways.d/c-orphanless.yaml", 0, 0, "missing_secret"),
        ("gateways.d/d-lonely.secret.yaml", 0, 0, "orphan_secret"),
        ("gateways.d/e-list.yaml", 1, 1, "not_mapping"),
    ]


@pytest.mark.usefixtures("no_sops_key")
def test_json_format_of_a_valid_repository(config_dir: ConfigDirFactory) -> None:
    outcome = config_dir(THREE_PROVIDERS).validate("--format", "json")

    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout) == {
        "format_version": 1,
        "valid": True,
        "accounts": 3,
        "problems": [],
    }


def test_github_format_writes_one_error_annotation_per_problem(broken_repo: Path) -> None:
    outcome = invoke("validate", "--format", "github", broken_repo)

    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0].startswith(
        "::error file=gateways.d/a-infobip.yaml,line=5,col=21,title=gwctl validate::"
        "'fallback_sender_id' (Fallback Sender ID) must be an alphanumeric sender ID"
    )
    assert lines[3].startswith(
        "::error file=gateways.d/c-orphanless.yaml,title=gwctl validate::no secret file"
    )
    assert sum(line.startswith("::error file=") for line in lines) == 6
    assert lines[-1] == "6 problems in 5 files"


@pytest.mark.usefixtures("no_sops_key")
def test_github_format_escapes_newlines_and_percent_signs(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    repo.add("odd", {**account(), "50%\nrate": 1})

    outcome = repo.validate("--format", "github")

    lines = outcome.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error file=gateways.d/odd.yaml,line=6,col=3,title=gwctl "
        "validate::unknown field '50%25%0Arate'"
    )
