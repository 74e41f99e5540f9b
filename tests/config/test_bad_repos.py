"""The bad-input corpus, part two: cases made of several files, file names, file systems and
real sops files, built in the test run (a 1 MiB file and symlinks are not committed; secret
files are encrypted by the real sops to an age key generated for this run, and tampering
means editing such a file).

Each case names the one problem `gwctl validate` must report: its exact location
(`file:line:col`, or just `file` for a problem about a whole file), the words a person needs
to fix it, exit code 1, no traceback, and no planted credential value anywhere in the output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gwctl.config.strict_yaml import MAX_FILE_BYTES
from gwctl.core.logos import MAX_LOGO_BYTES
from tests.support.accounts import TWILIO_SID, account, png_bytes, valid_credentials
from tests.support.age import AgeIdentity, sops_rules
from tests.support.canaries import CANARY, CANARY_HEX
from tests.support.cli import assert_clean
from tests.support.repos import ConfigDirFactory, ConfigRepo

INFOBIP = valid_credentials("infobip")
BAD_LOGOS = Path(__file__).parents[1] / "core" / "logos"  # the logo rule's bad images


@dataclass(frozen=True)
class RepoCase:
    """A repository with one thing wrong, and the one problem gwctl must report for it."""

    id: str
    build: Callable[[ConfigRepo], object]  # what it returns is not used
    location: str
    fragments: tuple[str, ...]
    args: tuple[str, ...] = ()
    env: dict[str, str | None] = field(default_factory=dict)


# --- builders ---------------------------------------------------------------------------------


def outside(repo: ConfigRepo, name: str, content: bytes) -> Path:
    """A file next to the config repository, not inside it."""
    target = repo.root.parent / f"outside-{repo.root.name}" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return target


def oversized_account(repo: ConfigRepo) -> None:
    text = "\n".join(f"{k}: {v}" for k, v in account().items()) + "\n"
    padding = MAX_FILE_BYTES + 1 - len(text)
    repo.write_account("big", text + "#" * (padding - 1) + "\n")
    repo.write_secret("big", INFOBIP)


def oversized_secret(repo: ConfigRepo) -> None:
    repo.write_account("big", account())
    repo.write_plain("gateways.d/big.secret.yaml", b"#" * MAX_FILE_BYTES + b"\n")


def account_symlink_outside(repo: ConfigRepo) -> None:
    target = outside(repo, "escape.yaml", b"provider: infobip\n")
    (repo.gateways / "escape.yaml").symlink_to(target)


def secret_symlink_outside(repo: ConfigRepo) -> None:
    repo.write_account("escape", account())
    target = outside(repo, "escape.secret.yaml", repo.secret_bytes(INFOBIP))
    (repo.gateways / "escape.secret.yaml").symlink_to(target)


def account_symlink_loop(repo: ConfigRepo) -> None:
    (repo.gateways / "self.yaml").symlink_to("self.yaml")


def account_is_a_directory(repo: ConfigRepo) -> None:
    (repo.gateways / "folder.yaml").mkdir()


def with_logo(
    logo: str, make: Callable[[ConfigRepo], object] | None = None
) -> Callable[[ConfigRepo], None]:
    def build(repo: ConfigRepo) -> None:
        if make is not None:
            make(repo)
        repo.add("branded", account(logo=logo))

    return build


def bad_logo(fixture: str) -> Callable[[ConfigRepo], object]:
    """An account whose logo is one of the logo rule's bad images (tests/core/logos)."""

    def write(repo: ConfigRepo) -> None:
        repo.write_plain(f"gateways.d/logos/{fixture}", (BAD_LOGOS / fixture).read_bytes())

    return with_logo(f"logos/{fixture}", write)


def logo_outside(repo: ConfigRepo) -> None:
    outside(repo, "logo.png", png_bytes())
    repo.add("branded", account(logo=f"../../outside-{repo.root.name}/logo.png"))


def logo_symlink_outside(repo: ConfigRepo) -> None:
    (repo.gateways / "logos" / "link.png").symlink_to(outside(repo, "logo.png", png_bytes()))


def logo_in_a_symlink_loop(repo: ConfigRepo) -> None:
    (repo.gateways / "logos" / "loop").symlink_to("loop")
    repo.add("branded", account(logo="logos/loop/logo.png"))


def two_accounts(
    first: dict[str, object], second: dict[str, object]
) -> Callable[[ConfigRepo], None]:
    def build(repo: ConfigRepo) -> None:
        repo.add("first", first)
        repo.add("second", second)

    return build


def claimed_twice(repo: ConfigRepo) -> None:
    repo.add("first", account(name="First", moved_from="old-key"))
    repo.add("second", account(name="Second", moved_from="old-key"))


def secret_text(repo: ConfigRepo, values: dict[str, str]) -> str:
    return repo.secret_bytes(values).decode()


def with_secret_text(
    text: Callable[[ConfigRepo], str], provider: str = "infobip"
) -> Callable[[ConfigRepo], None]:
    def build(repo: ConfigRepo) -> None:
        repo.write_account("acct", account(provider))
        repo.write_plain("gateways.d/acct.secret.yaml", text(repo))

    return build


def with_secret(
    values: dict[str, str],
    provider: str = "infobip",
    recipient: Callable[[ConfigRepo], str] | None = None,
) -> Callable[[ConfigRepo], None]:
    def build(repo: ConfigRepo) -> None:
        repo.write_account("acct", account(provider))
        repo.write_secret("acct", values, recipient=recipient(repo) if recipient else None)

    return build


def one_value_in_clear(repo: ConfigRepo) -> str:
    text = secret_text(repo, INFOBIP)
    return re.sub(r"(?m)^secret_key: ENC\[.*\]$", f"secret_key: {CANARY}", text)


def duplicated_value(repo: ConfigRepo) -> str:
    lines = secret_text(repo, INFOBIP).splitlines(keepends=True)
    return "".join([lines[0], *lines])


def flip_one_char(text: str, after: str) -> str:
    """Change one base64 character of the ciphertext that follows `after`."""
    start = text.index(after) + len(after) + 4
    replacement = "A" if text[start] != "A" else "B"
    return text[:start] + replacement + text[start + 1 :]


def tampered_value(repo: ConfigRepo) -> str:
    return flip_one_char(secret_text(repo, INFOBIP), "secret_key: ENC[AES256_GCM,data:")


def tampered_mac(repo: ConfigRepo) -> str:
    return flip_one_char(secret_text(repo, INFOBIP), "mac: ENC[AES256_GCM,data:")


def another_key(other: AgeIdentity) -> Callable[[ConfigRepo], str]:
    return lambda repo: other.public_key


# --- the cases --------------------------------------------------------------------------------

SENT = "gateways.d/acct.secret.yaml"


def cases(other: AgeIdentity) -> list[RepoCase]:
    return [
        # files and names
        RepoCase(
            "account-file-over-1-mib",
            oversized_account,
            "gateways.d/big.yaml:1:1",
            (f"file is {MAX_FILE_BYTES + 1} bytes; the limit is {MAX_FILE_BYTES} (1 MiB)",),
        ),
        RepoCase(
            "secret-file-over-1-mib",
            oversized_secret,
            "gateways.d/big.secret.yaml:1:1",
            ("the limit is 1048576 (1 MiB)",),
        ),
        RepoCase(
            "account-symlink-leaving-the-config-dir",
            account_symlink_outside,
            "gateways.d/escape.yaml",
            ("symlink points outside the config directory", "copy the file in"),
        ),
        RepoCase(
            "secret-symlink-leaving-the-config-dir",
            secret_symlink_outside,
            "gateways.d/escape.secret.yaml",
            ("symlink points outside the config directory", "copy the file in"),
        ),
        RepoCase(
            "account-symlink-loop",
            account_symlink_loop,
            "gateways.d/self.yaml",
            ("symlink points outside the config directory or loops",),
        ),
        RepoCase(
            "account-file-is-a-directory",
            account_is_a_directory,
            "gateways.d/folder.yaml",
            ("not a regular file",),
        ),
        RepoCase(
            "secret-file-without-account-file",
            lambda repo: repo.write_secret("lonely", INFOBIP),
            "gateways.d/lonely.secret.yaml",
            (
                "secret file without an account file",
                "create gateways.d/lonely.yaml or delete this file",
            ),
        ),
        RepoCase(
            "account-file-without-secret-file",
            lambda repo: repo.write_account("bare", account()),
            "gateways.d/bare.yaml",
            ("no secret file gateways.d/bare.secret.yaml", "`sops gateways.d/bare.secret.yaml`"),
        ),
        RepoCase(
            "key-with-capitals",
            lambda repo: repo.write_account("Infobip-EU", account()),
            "gateways.d/Infobip-EU.yaml",
            ("'Infobip-EU' is not a valid account key", "lowercase letters, digits and '-'"),
        ),
        RepoCase(
            "key-with-underscore",
            lambda repo: repo.write_account("infobip_eu", account()),
            "gateways.d/infobip_eu.yaml",
            ("'infobip_eu' is not a valid account key",),
        ),
        RepoCase(
            "key-starting-with-hyphen",
            lambda repo: repo.write_account("-infobip", account()),
            "gateways.d/-infobip.yaml",
            ("'-infobip' is not a valid account key", "starting and ending with a letter or digit"),
        ),
        RepoCase(
            "key-of-64-characters",
            lambda repo: repo.write_account("k" * 64, account()),
            f"gateways.d/{'k' * 64}.yaml",
            ("1 to 63 lowercase letters",),
        ),
        RepoCase(
            "yml-extension",
            lambda repo: repo.write_plain("gateways.d/infobip.yml", "provider: infobip\n"),
            "gateways.d/infobip.yml",
            ("account files end in '.yaml'", "rename it to 'infobip.yaml'"),
        ),
        # logos
        RepoCase(
            "logo-missing",
            with_logo("logos/nope.png"),
            "gateways.d/branded.yaml:6:7",
            ("logo file 'logos/nope.png' not found", "relative to this account file"),
        ),
        RepoCase(
            "logo-outside-the-config-dir",
            logo_outside,
            "gateways.d/branded.yaml:6:7",
            ("logo must be inside the config directory", "gateways.d/logos/"),
        ),
        RepoCase(
            "logo-symlink-leaving-the-config-dir",
            with_logo("logos/link.png", logo_symlink_outside),
            "gateways.d/branded.yaml:6:7",
            ("logo must be inside the config directory",),
        ),
        RepoCase(
            "logo-path-with-a-nul-byte",
            with_logo("logos/\0.png"),
            "gateways.d/branded.yaml:6:7",
            ("logo is not a usable path", "logos/infobip.png"),
        ),
        RepoCase(
            "logo-in-a-symlink-loop",
            logo_in_a_symlink_loop,
            "gateways.d/branded.yaml:6:7",
            ("logo is not a usable path",),
        ),
        RepoCase(
            "logo-not-an-image",
            with_logo(
                "logos/fake.png",
                lambda repo: repo.write_plain("gateways.d/logos/fake.png", "<svg>not a png</svg>"),
            ),
            "gateways.d/branded.yaml:6:7",
            ("logo must be a PNG or JPEG image", "judged by its content"),
        ),
        *(
            RepoCase(
                f"logo-{fixture.removesuffix('.png').removesuffix('.jpg')}",
                bad_logo(fixture),
                "gateways.d/branded.yaml:6:7",
                words,
            )
            for fixture, words in (
                ("polyglot-png-html.png", ("bytes after the end of the image (its IEND chunk)",)),
                ("polyglot-jpeg-html.jpg", ("bytes after the end of the image (its EOI marker)",)),
                ("truncated.png", ("does not decode as a complete PNG image", "export it again")),
                ("decompression-bomb.png", ("decompression bomb", "scale it down")),
            )
        ),
        RepoCase(
            "logo-over-256-kib",
            with_logo(
                "logos/huge.png",
                lambda repo: repo.write_plain(
                    "gateways.d/logos/huge.png",
                    png_bytes() + b"\0" * (MAX_LOGO_BYTES + 1 - len(png_bytes())),
                ),
            ),
            "gateways.d/branded.yaml:6:7",
            (
                f"logo is {MAX_LOGO_BYTES + 1} bytes; the limit is {MAX_LOGO_BYTES} (256 KiB)",
                "shrink it",
            ),
        ),
        # names and moves across files
        RepoCase(
            "gateway-names-differing-only-by-case",
            two_accounts(account(name="Infobip I"), account(name="INFOBIP i")),
            "gateways.d/second.yaml:2:7",
            (
                "Gateway Name 'INFOBIP i' is already used by gateways.d/first.yaml:2:7",
                "ignoring case",
                "choose another name",
            ),
        ),
        RepoCase(
            "gateway-names-differing-only-by-spacing",
            two_accounts(account(name="Infobip One"), account(name="infobip  ONE")),
            "gateways.d/second.yaml:2:7",
            ("Gateway Name 'infobip  ONE' is already used by gateways.d/first.yaml:2:7", "spacing"),
        ),
        RepoCase(
            "gateway-names-differing-only-by-unicode-form",
            two_accounts(account(name="Infobip I"), account(name="Ｉｎｆｏｂｉｐ I")),
            "gateways.d/second.yaml:2:7",
            ("is already used by gateways.d/first.yaml:2:7",),
        ),
        RepoCase(
            "moved-from-a-key-that-still-exists",
            two_accounts(account(name="First"), account(name="Second", moved_from="first")),
            "gateways.d/second.yaml:6:13",
            ("'first' still has an account file", "drop moved_from"),
        ),
        RepoCase(
            "moved-from-its-own-key",
            lambda repo: repo.add("acct", account(moved_from="acct")),
            "gateways.d/acct.yaml:6:13",
            ("'acct' still has an account file",),
        ),
        RepoCase(
            "moved-from-claimed-by-two-files",
            claimed_twice,
            "gateways.d/second.yaml:6:13",
            (
                "'old-key' is already claimed by gateways.d/first.yaml",
                "only one file can move from it",
            ),
        ),
        # secret files, checked without a key
        RepoCase(
            "secret-file-not-encrypted",
            with_secret_text(lambda repo: f"api_key: abcdefgh1\nsecret_key: {CANARY}\n"),
            f"{SENT}:1:1",
            (
                "secret file is not encrypted with sops (no sops metadata)",
                f"`sops encrypt -i {SENT}`",
            ),
        ),
        RepoCase(
            "secret-file-with-one-value-in-clear",
            with_secret_text(one_value_in_clear),
            f"{SENT}:2:13",
            ("the value of 'secret_key' is not encrypted", "rotate the credential"),
        ),
        RepoCase(
            "secret-file-missing-a-credential",
            with_secret({"api_key": "infobip-api-key-0001"}),
            f"{SENT}:1:1",
            ("missing credential 'secret_key'", f"`sops edit {SENT}`"),
        ),
        RepoCase(
            "secret-file-with-an-extra-field",
            with_secret({**INFOBIP, "region": "eu"}),
            f"{SENT}:3:1",
            ("unknown credential field 'region'", "this provider's are: api_key, secret_key"),
        ),
        RepoCase(
            "secret-file-of-another-provider",
            with_secret({"username": "smsplus-user"}, provider="clickatell"),
            f"{SENT}:1:1",
            ("missing credential 'password'",),
        ),
        RepoCase(
            "secret-file-empty",
            with_secret_text(lambda repo: ""),
            f"{SENT}:1:1",
            ("file is empty",),
        ),
        RepoCase(
            "secret-file-with-a-duplicate-key",
            with_secret_text(duplicated_value),
            f"{SENT}:2:1",
            ("duplicate key 'api_key'", "keep only one"),
        ),
        # secret files under --decrypt, with the real sops
        RepoCase(
            "tampered-ciphertext",
            with_secret_text(tampered_value),
            f"{SENT}:1:1",
            ("modified outside sops or is corrupted", "restore it from git"),
            args=("--decrypt",),
        ),
        RepoCase(
            "tampered-mac",
            with_secret_text(tampered_mac),
            f"{SENT}:1:1",
            ("modified outside sops or is corrupted",),
            args=("--decrypt",),
        ),
        RepoCase(
            "secret-encrypted-to-another-key",
            with_secret(INFOBIP, recipient=another_key(other)),
            f"{SENT}:5:9",
            (
                "encrypted to other age recipients than .sops.yaml names for this file",
                "missing age1",
                "not named by .sops.yaml: age1",
                f"run `sops updatekeys {SENT}`",
            ),
        ),
        RepoCase(
            "decrypt-without-any-key",
            with_secret(INFOBIP),
            f"{SENT}:1:1",
            ("no key available can decrypt this file",),
            args=("--decrypt",),
            env={"SOPS_AGE_KEY_FILE": None},
        ),
        RepoCase(
            "twilio-sid-not-ac-and-32-hex",
            with_secret(
                {"account_sid": "AC-" + CANARY, "auth_token": CANARY_HEX}, provider="twilio"
            ),
            f"{SENT}:1:14",
            (
                "'account_sid' (SID) must be a Twilio account SID",
                "'AC' followed by 32 hexadecimal characters",
            ),
            args=("--decrypt",),
        ),
        RepoCase(
            "twilio-sid-with-a-trailing-newline",
            with_secret(
                {"account_sid": TWILIO_SID + "\n", "auth_token": CANARY_HEX}, provider="twilio"
            ),
            f"{SENT}:1:14",
            ("'account_sid' (SID) must be a Twilio account SID",),
            args=("--decrypt",),
        ),
        RepoCase(
            "twilio-auth-token-not-hex",
            with_secret({"account_sid": TWILIO_SID, "auth_token": CANARY}, provider="twilio"),
            f"{SENT}:2:13",
            ("'auth_token' (Auth Token) must be a Twilio Auth Token: 32 hexadecimal",),
            args=("--decrypt",),
        ),
        RepoCase(
            "infobip-api-key-too-short",
            with_secret({"api_key": "short", "secret_key": CANARY}),
            f"{SENT}:1:10",
            (
                "'api_key' (API Key) must be the API key from your Infobip account",
                "8 to 256 characters",
            ),
            args=("--decrypt",),
        ),
        RepoCase(
            "clickatell-username-with-a-space",
            with_secret({"username": "smsplus user", "password": CANARY}, provider="clickatell"),
            f"{SENT}:1:11",
            ("'username' (Username)", "without spaces"),
            args=("--decrypt",),
        ),
    ]


# The ids, for parametrizing; the cases themselves are built per test with the real identity.
CASE_IDS = [case.id for case in cases(AgeIdentity(Path(), "age1-placeholder"))]


@pytest.fixture
def case(request: pytest.FixtureRequest, other_age_identity: AgeIdentity) -> RepoCase:
    return next(c for c in cases(other_age_identity) if c.id == request.param)


def test_the_generated_corpus_has_one_case_per_rule() -> None:
    assert len(CASE_IDS) == len(set(CASE_IDS)) >= 35


def _check(case: RepoCase, outcome_text: str, exit_code: int, location: str) -> None:
    lines = outcome_text.splitlines()
    assert exit_code == 1, outcome_text
    assert lines[-1] == "1 problem in 1 file", outcome_text
    assert lines[0].startswith(location + ": "), f"expected {location}, got {lines[0]}"
    for fragment in case.fragments:
        assert fragment in lines[0]


def build_with_env(
    case: RepoCase, config_dir: ConfigDirFactory, monkeypatch: pytest.MonkeyPatch
) -> ConfigRepo:
    """The case's repository, with the environment it sets (None removes a variable)."""
    repo = config_dir()
    case.build(repo)
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return repo


@pytest.mark.parametrize("case", CASE_IDS, indirect=True)
def test_bad_repository_is_reported_once_at_its_exact_place(
    case: RepoCase,
    config_dir: ConfigDirFactory,
    sops_env: AgeIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = build_with_env(case, config_dir, monkeypatch)

    outcome = repo.validate(*case.args)

    assert_clean(outcome)
    _check(case, outcome.stdout, outcome.exit_code, case.location)


@pytest.mark.parametrize("case", CASE_IDS, indirect=True)
def test_bad_repository_in_json_and_github_formats_has_the_same_place_and_no_secret(
    case: RepoCase,
    config_dir: ConfigDirFactory,
    sops_env: AgeIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = build_with_env(case, config_dir, monkeypatch)
    file, _, place = case.location.partition(":")
    line, column = map(int, place.split(":")) if place else (0, 0)

    as_json = repo.validate(*case.args, "--format", "json")
    as_github = repo.validate(*case.args, "--format", "github")

    for outcome in (as_json, as_github):
        assert outcome.exit_code == 1
        assert_clean(outcome)
    [problem] = json.loads(as_json.stdout)["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (file, line, column)
    where = f"file={file},line={line},col={column}," if line else f"file={file},"
    assert as_github.stdout.startswith(f"::error {where}title=gwctl validate::")


def test_a_sops_that_cannot_run_is_one_error_not_one_per_file(
    config_dir: ConfigDirFactory,
    sops_env: AgeIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = config_dir()
    for key in ("first", "second"):
        repo.write_account(key, account("infobip", name=key))
        repo.write_secret(key, INFOBIP)
    monkeypatch.setenv("GWCTL_SOPS", "/nonexistent/bin/sops")

    outcome = repo.validate("--decrypt")

    assert_clean(outcome)
    assert outcome.exit_code == 1
    assert (
        outcome.stderr.count(
            "the sops binary '/nonexistent/bin/sops' named by GWCTL_SOPS could not be run"
        )
        == 1
    )
    assert "fix GWCTL_SOPS or unset it" in outcome.stderr


SUBPROCESS_CASES = [
    "account-symlink-leaving-the-config-dir",
    "tampered-ciphertext",
    "secret-encrypted-to-another-key",
    "secret-file-with-one-value-in-clear",
    "twilio-sid-not-ac-and-32-hex",
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, indirect=True)
def test_bad_repository_fails_the_installed_command_too(
    case: RepoCase, config_dir: ConfigDirFactory, sops_env: AgeIdentity
) -> None:
    repo = config_dir()
    case.build(repo)

    outcome = repo.validate_subprocess(*case.args)

    assert_clean(outcome)
    _check(case, outcome.stdout, outcome.exit_code, case.location)


# --- no problem hides another -------------------------------------------------------------------


def test_a_misnamed_account_file_has_its_content_checked_too(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    repo.write_account("Infobip-EU", account(status="paused"))

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert "gateways.d/Infobip-EU.yaml: 'Infobip-EU' is not a valid account key" in outcome.stdout
    assert "gateways.d/Infobip-EU.yaml:3:9: 'status' (Status) must be one of" in outcome.stdout


def test_a_missing_secret_file_does_not_hide_a_bad_logo(config_dir: ConfigDirFactory) -> None:
    repo = config_dir()
    repo.write_account("acct", account(logo="logos/missing.png"))

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert "no secret file gateways.d/acct.secret.yaml" in outcome.stdout
    assert "gateways.d/acct.yaml:6:7:" in outcome.stdout  # the logo, in the same run


def test_a_secret_file_missing_a_recipient_of_sops_yaml_is_found_without_a_key(
    config_dir: ConfigDirFactory, other_age_identity: AgeIdentity, no_sops_key: None
) -> None:
    repo = config_dir({"acct": account()})  # encrypted to the repository's identity only
    repo.write_plain(
        ".sops.yaml", sops_rules(repo.identity.public_key, other_age_identity.public_key)
    )

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert outcome.stdout.startswith(
        f"{SENT}:5:9: encrypted to other age recipients than .sops.yaml names for this file "
        f"(missing {other_age_identity.public_key}): run `sops updatekeys {SENT}`"
    )


def test_recipients_matching_sops_yaml_pass(config_dir: ConfigDirFactory) -> None:
    repo = config_dir({"acct": account()})

    assert repo.validate().exit_code == 0
