"""`ConfigRepo`: the one builder of config repositories in a temporary directory.

Account files are written from dicts (YAML) or raw text/bytes; secret files are encrypted by
the real sops. A repository from the `config_dir` fixture encrypts through the session's
cache (`encrypt`: each distinct file costs one sops call); one from `example_repository` (the
`repo` fixture: the shipped example accounts) encrypts each secret file afresh with the
repository's own `.sops.yaml`, as a person running sops would. `gwctl(...)` runs the real CLI
on it in-process.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from gwctl.cli.main import cli
from gwctl.config.fingerprint_key import create_fingerprint_key
from gwctl.config.secrets import encrypt_to_file, sops_command
from gwctl.core.model import Secret
from gwctl.remote.embedded import store_paths
from tests.support.accounts import valid_credentials
from tests.support.age import AgeIdentity, EncryptSecret, sops_rules
from tests.support.canaries import CANARY, CANARY_PASSWORD
from tests.support.cli import Outcome, invoke, run_gwctl
from tests.support.paths import REPO_ROOT

# The example accounts' credentials, encrypted in each test run to a key made for it.
SECRETS: dict[str, dict[str, str]] = {
    "clickatell-africa": {"username": "smsplus-test", "password": CANARY_PASSWORD},
    "infobip-eu": {"api_key": "infobip-eu-api-key-1111", "secret_key": CANARY},
    "infobip-transactional": {
        "api_key": "infobip-tx-api-key-2222",
        "secret_key": "infobip-tx-secret-3333",
    },
    "twilio-us": {"account_sid": "AC" + "ab" * 16, "auth_token": "cd" * 16},
}


@dataclass
class ConfigRepo:
    """A config repository in a temporary directory: `root` holds `.sops.yaml` and
    `gateways.d/`. `identity` is the age identity its `.sops.yaml` encrypts to; `encrypt`,
    when given, makes secret files (a cache); else each is encrypted afresh by sops."""

    root: Path
    identity: AgeIdentity
    encrypt: EncryptSecret | None = None
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    runner: CliRunner = field(default_factory=CliRunner)

    # --- where things are ---------------------------------------------------------------

    @property
    def gateways(self) -> Path:
        return self.root / "gateways.d"

    def path(self, relative: str) -> Path:
        return self.root / relative

    def account_path(self, key: str) -> Path:
        return self.gateways / f"{key}.yaml"

    @property
    def database_url(self) -> str:
        """The embedded store's database (under `.gwctl/`)."""
        return store_paths(self.root)[0]

    @property
    def key_file(self) -> Path:
        """The embedded store's key file."""
        return store_paths(self.root)[1]

    # --- writing files ------------------------------------------------------------------

    def write_account(self, key: str, content: Mapping[str, Any] | str | bytes) -> Path:
        """Write gateways.d/<key>.yaml from a dict (dumped in order) or raw text/bytes."""
        target = self.account_path(key)
        if isinstance(content, Mapping):
            self.accounts[key] = dict(content)
            content = yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
        return target

    def read_account(self, key: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.account_path(key).read_text())
        return data

    def edit_account(self, key: str, **changes: Any) -> None:
        """Change some fields of an account file, keeping the others."""
        self.write_account(key, {**self.read_account(key), **changes})

    def write_secret(
        self, key: str, values: Mapping[str, str], *, recipient: str | None = None
    ) -> Path:
        """Write gateways.d/<key>.secret.yaml holding `values`, encrypted by real sops to
        `recipient` (default: this repo's identity)."""
        target = self.gateways / f"{key}.secret.yaml"
        if self.encrypt is None and recipient is None:
            secrets = {name: Secret(value) for name, value in values.items()}
            encrypt_to_file(secrets, target, self.root)
        else:
            target.write_bytes(self.secret_bytes(values, recipient=recipient))
        return target

    def write_secret_as_typed(self, key: str, plaintext: str) -> Path:
        """Write gateways.d/<key>.secret.yaml from YAML text exactly as a person types it in
        `sops edit` (unquoted `password: 0123` included), encrypted by real sops with this
        repository's .sops.yaml; sops records each value's YAML type."""
        target = self.write_plain(f"gateways.d/{key}.secret.yaml", plaintext)
        subprocess.run(
            [sops_command(), "encrypt", "-i", str(target.relative_to(self.root))],
            cwd=self.root,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return target

    def secret_bytes(self, values: Mapping[str, str], *, recipient: str | None = None) -> bytes:
        """The bytes of a secret file holding `values`, encrypted (through the session's cache)
        to `recipient` (default: this repo's identity)."""
        assert self.encrypt is not None, "only a repository made by config_dir has the cache"
        return self.encrypt(values, recipient or self.identity.public_key)

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

    def remove_file(self, relative: str) -> None:
        (self.root / relative).unlink()

    def remove_account(self, key: str) -> None:
        """Delete an account's file and its secret file."""
        for suffix in (".yaml", ".secret.yaml"):
            (self.gateways / f"{key}{suffix}").unlink()

    # --- running gwctl ------------------------------------------------------------------

    def gwctl(self, *args: str, input: str | None = None) -> Result:
        """`gwctl -C ROOT args` through the in-process CLI (exceptions propagate)."""
        return self.runner.invoke(
            cli, ["-C", str(self.root), *args], input=input, catch_exceptions=False
        )

    def apply(self, *args: str) -> str:
        """`gwctl apply --auto-approve [args]`, which must succeed; its output."""
        result = self.gwctl("apply", "--auto-approve", *args)
        assert result.exit_code == 0, result.output
        return result.output

    def validate(self, *args: str) -> Outcome:
        """`gwctl validate ROOT [args]` through the in-process CLI."""
        return invoke("validate", self.root, *args)

    def validate_subprocess(self, *args: str) -> Outcome:
        """`gwctl validate ROOT [args]` as a real process of the installed console script."""
        return run_gwctl("validate", self.root, *args)


# What the `config_dir` fixture returns: `config_dir(accounts, *, secrets=None)` -> ConfigRepo
ConfigDirFactory = Callable[..., ConfigRepo]


def example_repository(root: Path, identity: AgeIdentity) -> ConfigRepo:
    """The shipped example accounts (gateways.d/ and its logos) in `root`, with `.sops.yaml`
    for `identity` and `SECRETS` encrypted to it."""
    (root / "gateways.d").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "gateways.d" / "logos", root / "gateways.d" / "logos")
    for account_file in (REPO_ROOT / "gateways.d").glob("*.yaml"):
        if not account_file.name.endswith(".secret.yaml"):
            shutil.copy(account_file, root / "gateways.d" / account_file.name)
    (root / ".sops.yaml").write_text(sops_rules(identity.public_key))
    config = ConfigRepo(root, identity)
    for key, values in SECRETS.items():
        config.write_secret(key, values)
    create_fingerprint_key(root)
    return config
