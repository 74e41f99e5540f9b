"""Shared fixtures: real age identities, the sops environment, and config repositories.

Everything secret is made in the test run: age identities come from `pyrage`, secret files are
encrypted by the real `sops` binary through `gwctl.config.secrets.encrypt_to_file`. Nothing here is
pre-baked plaintext, and no committed encrypted file is needed for a valid case.

Fixtures (see each docstring):

- `age_identity`, `other_age_identity` (session): two independent age X25519 identities, each
  with `.key_file` (an age key file on disk), `.public_key` (`age1...`) and `.secret_key`.
- `sops_env`: points sops at `age_identity` through `SOPS_AGE_KEY_FILE` only (no
  `SOPS_AGE_KEY`, no key in a home directory), and returns that identity.
- `encrypted_secret` (session): `encrypted_secret(values, recipient)` -> the bytes of a sops
  file; each distinct (values, recipient) is encrypted once per session.
- `config_dir`: a factory building a config repository in `tmp_path`
  (`gateways.d/`, `.sops.yaml` for `age_identity`, `gateways.d/logos/logo.png`) from account
  dicts, writing each account's secret file encrypted by real sops; returns a `ConfigRepo`.
- `gwctl_cli`: runs the real click CLI in-process and returns an `Outcome`.

Constants: `CANARY` and `CANARY_HEX` are planted credential values that must never appear in
any output (`assert_no_secret`); `valid_credentials(provider)` uses them.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
import pytest
import yaml
from click.testing import CliRunner

from gwctl.cli.main import cli
from gwctl.config.secrets import encrypt_to_file
from gwctl.core.model import Secret

REPO_ROOT = Path(__file__).resolve().parents[1]
GWCTL_BIN = REPO_ROOT / ".venv" / "bin" / "gwctl"

# Planted credential values. If one of them shows up in stdout, stderr, a log or an
# exception message, a secret leaked.
CANARY = "CANARY-5e1f0c7a-never-print-me"
CANARY_HEX = "ca7a2b3c4d5e6f708192a3b4c5d6e7f8"  # a valid Twilio Auth Token (32 hex)
PLANTED = (CANARY, CANARY_HEX)

TWILIO_SID = "AC" + "0123456789abcdef" * 2

# Sentinel for `account(..., field=REMOVE)`: leave that field out.
REMOVE: Any = object()

_SOPS_ENV_VARS = (
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
    "SOPS_AGE_RECIPIENTS",
    "GWCTL_SOPS",
)


def valid_credentials(provider: str) -> dict[str, str]:
    """Credentials that pass the provider's schema; the secret ones are canaries."""
    return {
        "infobip": {"api_key": "infobip-api-key-0001", "secret_key": CANARY},
        "clickatell": {"username": "smsplus-user", "password": CANARY},
        "twilio": {"account_sid": TWILIO_SID, "auth_token": CANARY_HEX},
    }[provider]


def account(provider: str = "infobip", name: str | None = None, **fields: Any) -> dict[str, Any]:
    """A valid account file's fields for `provider`; keyword arguments override or, given
    `REMOVE`, drop a field. Key order is the order a person would write them in."""
    data: dict[str, Any] = {
        "provider": provider,
        "name": name or f"{provider.title()} Test",
        "status": "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "SMSPLUS",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not REMOVE}


def assert_no_secret(*texts: str) -> None:
    """No planted credential value in any of the texts."""
    for text in texts:
        for planted in PLANTED:
            assert planted not in text, "a credential value leaked into the output"


def assert_clean(outcome: Outcome) -> None:
    """The output of a failed run a person may read: no traceback, no secret."""
    assert "Traceback" not in outcome.stdout + outcome.stderr
    assert_no_secret(outcome.stdout, outcome.stderr)


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG image (greyscale)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- age identities and the sops environment -------------------------------------------------


@dataclass(frozen=True)
class AgeIdentity:
    """An age X25519 identity generated in the test run, with its key file on disk."""

    key_file: Path
    public_key: str

    @property
    def secret_key(self) -> str:
        """The `AGE-SECRET-KEY-1...` line, for `SOPS_AGE_KEY`."""
        lines = self.key_file.read_text(encoding="utf-8").splitlines()
        return next(line for line in lines if line.startswith("AGE-SECRET-KEY-"))


def _generate_identity(directory: Path) -> AgeIdentity:
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    key_file = directory / "age-key.txt"
    key_file.write_text(f"# public key: {public}\n{identity}\n", encoding="utf-8")
    key_file.chmod(0o600)
    return AgeIdentity(key_file, public)


@pytest.fixture(scope="session")
def age_identity(tmp_path_factory: pytest.TempPathFactory) -> AgeIdentity:
    """The test run's age identity: `config_dir` encrypts to it, `sops_env` decrypts with it."""
    return _generate_identity(tmp_path_factory.mktemp("age-identity"))


@pytest.fixture(scope="session")
def other_age_identity(tmp_path_factory: pytest.TempPathFactory) -> AgeIdentity:
    """A second identity: files encrypted to it cannot be decrypted with `age_identity`."""
    return _generate_identity(tmp_path_factory.mktemp("other-age-identity"))


def isolate_sops(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Remove every way sops could find a key except those a test sets afterwards (no
    inherited env vars, no ~/.config/sops/age/keys.txt, no ~/.ssh keys)."""
    for name in _SOPS_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))


@pytest.fixture
def no_sops_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sops can find no key at all: like CI on a pull request from a fork."""
    isolate_sops(monkeypatch, tmp_path / "empty-home")


@pytest.fixture
def sops_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, age_identity: AgeIdentity
) -> AgeIdentity:
    """sops decrypts with `age_identity` via SOPS_AGE_KEY_FILE (SOPS_AGE_KEY removed)."""
    isolate_sops(monkeypatch, tmp_path / "empty-home")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_identity.key_file))
    return age_identity


# --- encrypted secret files, once per session -------------------------------------------------


def sops_rules(*recipients: str) -> str:
    """A `.sops.yaml` encrypting gateways.d/*.secret.yaml to the given age recipients."""
    return (
        "creation_rules:\n"
        "  - path_regex: gateways\\.d/[^/]+\\.secret\\.yaml$\n"
        f"    age: {','.join(recipients)}\n"
    )


EncryptSecret = Callable[[Mapping[str, str], str], bytes]


@pytest.fixture(scope="session")
def encrypted_secret(tmp_path_factory: pytest.TempPathFactory) -> EncryptSecret:
    """`encrypted_secret(values, recipient)`: the bytes of a secret file holding `values`
    (in that order), encrypted by real sops to `recipient`. Cached for the session, so each
    distinct file costs one sops call however many tests use it."""
    cache: dict[tuple[str, tuple[tuple[str, str], ...]], bytes] = {}
    base = tmp_path_factory.mktemp("sops-cache")

    def encrypt(values: Mapping[str, str], recipient: str) -> bytes:
        cache_key = (recipient, tuple(values.items()))
        if cache_key not in cache:
            root = base / f"r{len(cache)}"
            (root / "gateways.d").mkdir(parents=True)
            (root / ".sops.yaml").write_text(sops_rules(recipient), encoding="utf-8")
            target = root / "gateways.d" / "x.secret.yaml"
            encrypt_to_file({k: Secret(v) for k, v in values.items()}, target, root)
            cache[cache_key] = target.read_bytes()
        return cache[cache_key]

    return encrypt


# --- running the CLI ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a gwctl run printed and returned (from CliRunner or a real subprocess)."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str | os.PathLike[str]) -> Outcome:
    """Run the click CLI in-process (exceptions propagate: a crash fails the test)."""
    result = CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_gwctl(*args: str | os.PathLike[str], cwd: Path | None = None) -> Outcome:
    """Run the installed `.venv/bin/gwctl` as a real subprocess, in the current environment."""
    completed = subprocess.run(
        [str(GWCTL_BIN), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def gwctl_cli() -> Callable[..., Outcome]:
    """`gwctl_cli("validate", path, "--format", "json")` -> Outcome, in-process."""
    return invoke


# --- config repositories ------------------------------------------------------------------------


@dataclass
class ConfigRepo:
    """A config repository in a temporary directory.

    `root` holds `.sops.yaml` and `gateways.d/` (with `logos/logo.png`, a real PNG).
    Account files are written from dicts (YAML) or raw text/bytes; secret files are
    encrypted by real sops to `identity` unless a test asks otherwise.
    """

    root: Path
    identity: AgeIdentity
    encrypt: EncryptSecret
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def gateways(self) -> Path:
        return self.root / "gateways.d"

    def path(self, relative: str) -> Path:
        return self.root / relative

    def write_account(self, key: str, content: Mapping[str, Any] | str | bytes) -> Path:
        """Write gateways.d/<key>.yaml from a dict (dumped in order) or raw text/bytes."""
        target = self.gateways / f"{key}.yaml"
        if isinstance(content, Mapping):
            self.accounts[key] = dict(content)
            content = yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
        return target

    def write_secret(
        self, key: str, values: Mapping[str, str], *, recipient: str | None = None
    ) -> Path:
        """Write gateways.d/<key>.secret.yaml holding `values`, encrypted by real sops to
        `recipient` (default: this repo's identity)."""
        target = self.gateways / f"{key}.secret.yaml"
        target.write_bytes(self.encrypt(values, recipient or self.identity.public_key))
        return target

    def write_plain(self, relative: str, content: str | bytes) -> Path:
        """Write any file (relative to the root) as given, e.g. an unencrypted secret file."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
        return target

    def add(
        self,
        key: str,
        fields: Mapping[str, Any] | str | bytes,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        """An account file plus its secret file (default: the provider's valid credentials)."""
        self.write_account(key, fields)
        if secrets is None and isinstance(fields, Mapping):
            secrets = valid_credentials(str(fields["provider"]))
        if secrets is not None:
            self.write_secret(key, secrets)

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    def validate(self, *args: str) -> Outcome:
        """`gwctl validate ROOT [args]` through the in-process CLI."""
        return invoke("validate", self.root, *args)

    def validate_subprocess(self, *args: str) -> Outcome:
        """`gwctl validate ROOT [args]` as a real process of the installed console script."""
        return run_gwctl("validate", self.root, *args)


ConfigDirFactory = Callable[..., ConfigRepo]


@pytest.fixture
def config_dir(
    tmp_path: Path, age_identity: AgeIdentity, encrypted_secret: EncryptSecret
) -> ConfigDirFactory:
    """Factory: `config_dir({"infobip-eu": account("infobip", "Infobip I")}, secrets={...})`.

    Builds a config repository under tmp_path (a new one per call) with `.sops.yaml` whose
    creation rule names `age_identity`, `gateways.d/logos/logo.png`, each given account's
    file, and its secret file encrypted by real sops: `secrets[key]` when given, else the
    provider's `valid_credentials`; `secrets[key] = None` writes no secret file.
    """
    counter = iter(range(1_000_000))

    def build(
        accounts: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        secrets: Mapping[str, Mapping[str, str] | None] | None = None,
    ) -> ConfigRepo:
        root = tmp_path / f"repo{next(counter)}"
        (root / "gateways.d" / "logos").mkdir(parents=True)
        (root / ".sops.yaml").write_text(sops_rules(age_identity.public_key), encoding="utf-8")
        (root / "gateways.d" / "logos" / "logo.png").write_bytes(png_bytes())
        repo = ConfigRepo(root, age_identity, encrypted_secret)
        for key, fields in (accounts or {}).items():
            repo.write_account(key, fields)
            given = secrets or {}
            values = given[key] if key in given else valid_credentials(str(fields["provider"]))
            if values is not None:
                repo.write_secret(key, values)
        return repo

    return build


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A copy of the shipped example config (gateways.d/, .sops.yaml) in tmp_path."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "gateways.d", root / "gateways.d")
    shutil.copy2(REPO_ROOT / ".sops.yaml", root / ".sops.yaml")
    return root
