"""Fixtures for end-to-end reconciler tests: a config repo with real sops secrets, the CLI,
and the store both embedded and behind a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from gwctl.cli.main import cli
from gwctl.config.secrets import encrypt_to_file
from gwctl.core.model import Secret
from gwctl.remote.embedded import store_paths
from gwctl.store.server import create_admin_token
from tests.conftest import AgeIdentity, sops_rules
from tests.store.conftest import Server, start_server

REPO = Path(__file__).resolve().parents[2]
CANARY = "CANARY-9d2f6b1e-never-print-me"

# The example accounts' credentials, encrypted in each test run to a key made for it.
SECRETS: dict[str, dict[str, str]] = {
    "clickatell-africa": {"username": "smsplus-test", "password": "clickatell-pass-0042"},
    "infobip-eu": {"api_key": "infobip-eu-api-key-1111", "secret_key": CANARY},
    "infobip-transactional": {
        "api_key": "infobip-tx-api-key-2222",
        "secret_key": "infobip-tx-secret-3333",
    },
    "twilio-us": {"account_sid": "AC" + "ab" * 16, "auth_token": "cd" * 16},
}


@dataclass
class Repo:
    """A config repository in a temporary directory, driven through the real CLI."""

    root: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def gwctl(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(
            cli, ["-C", str(self.root), *args], input=input, catch_exceptions=False
        )

    def account_path(self, key: str) -> Path:
        return self.root / "gateways.d" / f"{key}.yaml"

    def read_account(self, key: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.account_path(key).read_text())
        return data

    def write_account(self, key: str, fields: dict[str, Any]) -> None:
        self.account_path(key).write_text(yaml.safe_dump(fields, sort_keys=False))

    def edit_account(self, key: str, **changes: Any) -> None:
        self.write_account(key, {**self.read_account(key), **changes})

    def write_secret(self, key: str, values: dict[str, str]) -> None:
        encrypt_to_file(
            {name: Secret(value) for name, value in values.items()},
            self.root / "gateways.d" / f"{key}.secret.yaml",
            self.root,
        )

    def remove(self, key: str) -> None:
        for suffix in (".yaml", ".secret.yaml"):
            (self.root / "gateways.d" / f"{key}{suffix}").unlink()

    @property
    def database_url(self) -> str:
        return store_paths(self.root)[0]

    @property
    def key_file(self) -> Path:
        return store_paths(self.root)[1]


@pytest.fixture
def repo(tmp_path: Path, sops_env: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """The four example accounts, their secrets encrypted to a key generated for the run."""
    for name in ("GWCTL_STORE_URL", "GWCTL_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "config"
    (root / "gateways.d").mkdir(parents=True)
    shutil.copytree(REPO / "gateways.d" / "logos", root / "gateways.d" / "logos")
    for account in (REPO / "gateways.d").glob("*.yaml"):
        if not account.name.endswith(".secret.yaml"):
            shutil.copy(account, root / "gateways.d" / account.name)
    (root / ".sops.yaml").write_text(sops_rules(sops_env.public_key))
    config = Repo(root)
    for key, values in SECRETS.items():
        config.write_secret(key, values)
    return config


@dataclass
class LiveStore:
    """A real uvicorn server on the repo's store database, with an API client per actor."""

    server: Server
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token_name: str) -> httpx.Client:
        token = create_admin_token(self.database_url, token_name)
        client = httpx.Client(
            base_url=self.server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {token}", "X-Gwctl-Actor": f"{token_name}@web"},
        )
        self.clients.append(client)
        return client

    database_url: str = ""


@pytest.fixture
def live_store(repo: Repo, tmp_path: Path) -> Iterator[LiveStore]:
    """`gwctl serve`'s app on the same SQLite database the embedded store uses."""
    repo.key_file.parent.mkdir(parents=True, exist_ok=True)
    create_admin_token(repo.database_url, "bootstrap")  # migrates and creates the key
    server = start_server(repo.database_url, repo.key_file, tmp_path / "server.log")
    store = LiveStore(server, database_url=repo.database_url)
    try:
        yield store
    finally:
        for client in store.clients:
            client.close()
        server.stop()


@pytest.fixture
def remote(repo: Repo, live_store: LiveStore, monkeypatch: pytest.MonkeyPatch) -> LiveStore:
    """Point gwctl at the uvicorn server instead of the embedded store."""
    token = create_admin_token(repo.database_url, "ci")
    monkeypatch.setenv("GWCTL_STORE_URL", live_store.server.base_url)
    monkeypatch.setenv("GWCTL_TOKEN", token)
    return live_store
