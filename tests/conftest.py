"""Shared fixtures: real age identities, the sops environment, config repositories, the store
behind a real server, and Chromium. Helpers are in tests/support/ (see its __init__).

Everything secret is made in the test run: age identities come from `pyrage`, secret files are
encrypted by the real `sops` binary through `gwctl.config.secrets.encrypt_to_file`. Nothing here is
pre-baked plaintext, and no committed encrypted file is needed for a valid case.

- `age_identity`, `other_age_identity` (session): two independent age X25519 identities, each
  with `.key_file` (an age key file on disk), `.public_key` (`age1...`) and `.secret_key`.
- `no_sops_key`: sops can find no key; `sops_env`: points sops at `age_identity` through
  `SOPS_AGE_KEY_FILE` only (no `SOPS_AGE_KEY`, no key in a home directory), returns it.
- `encrypted_secret` (session): `encrypted_secret(values, recipient)` -> the bytes of a sops
  file; each distinct (values, recipient) is encrypted once per session.
- `config_dir`: a factory building a `ConfigRepo` in `tmp_path` (`gateways.d/`, `.sops.yaml`
  for `age_identity`, `gateways.d/logos/logo.png`) from account dicts, each account's secret
  file encrypted by real sops.
- `repo`: a `ConfigRepo` holding the shipped example accounts, secrets encrypted to a key made
  for the run; `live_store`: a real uvicorn server on its store database; `remote`: gwctl
  pointed at that server instead of the embedded store.
- `example_repo`: a plain copy of the shipped example config.
- `gwctl_cli`: runs the real click CLI in-process and returns an `Outcome`.
- `browser` (session): headless Chromium through Playwright (skips if it is not installed).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gwctl.config.secrets import encrypt_to_file
from gwctl.core.model import Secret
from gwctl.store.server import create_admin_token
from tests.support.accounts import png_bytes, valid_credentials
from tests.support.age import (
    AgeIdentity,
    EncryptSecret,
    generate_identity,
    isolate_sops,
    sops_rules,
)
from tests.support.cli import Outcome, invoke
from tests.support.paths import REPO_ROOT
from tests.support.providers import ProviderServer, point_at
from tests.support.repos import ConfigDirFactory, ConfigRepo, example_repository
from tests.support.servers import LiveStore, start_server
from tests.support.web import CHROMIUM, CHROMIUM_ARGS

# --- age identities and the sops environment -------------------------------------------------


@pytest.fixture(scope="session")
def age_identity(tmp_path_factory: pytest.TempPathFactory) -> AgeIdentity:
    """The test run's age identity: `config_dir` encrypts to it, `sops_env` decrypts with it."""
    return generate_identity(tmp_path_factory.mktemp("age-identity"))


@pytest.fixture(scope="session")
def other_age_identity(tmp_path_factory: pytest.TempPathFactory) -> AgeIdentity:
    """A second identity: files encrypted to it cannot be decrypted with `age_identity`."""
    return generate_identity(tmp_path_factory.mktemp("other-age-identity"))


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


@pytest.fixture
def gwctl_cli() -> Callable[..., Outcome]:
    """`gwctl_cli("validate", path, "--format", "json")` -> Outcome, in-process."""
    return invoke


# --- config repositories ------------------------------------------------------------------------


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


# --- the example accounts against a store -------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, sops_env: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> ConfigRepo:
    """The four example accounts, their secrets encrypted to a key generated for the run."""
    for name in ("GWCTL_STORE_URL", "GWCTL_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return example_repository(tmp_path / "config", sops_env)


@pytest.fixture
def live_store(repo: ConfigRepo, tmp_path: Path) -> Iterator[LiveStore]:
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
def remote(repo: ConfigRepo, live_store: LiveStore, monkeypatch: pytest.MonkeyPatch) -> LiveStore:
    """Point gwctl at the uvicorn server instead of the embedded store."""
    token = create_admin_token(repo.database_url, "ci")
    monkeypatch.setenv("GWCTL_STORE_URL", live_store.server.base_url)
    monkeypatch.setenv("GWCTL_TOKEN", token)
    return live_store


# --- the browser ----------------------------------------------------------------------------------


# --- the providers' APIs, on this machine ---------------------------------------------------------


@pytest.fixture
def providers() -> Iterator[ProviderServer]:
    """Infobip, Twilio and Clickatell answering as their documentation shows, on 127.0.0.1."""
    with ProviderServer() as server:
        yield server


@pytest.fixture
def pointed(repo: ConfigRepo, providers: ProviderServer) -> ConfigRepo:
    """The example repository, its gwctl.yaml sending every check to `providers`."""
    point_at(repo, providers.base_url)
    return repo


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (the Debian package at /usr/bin/chromium) via Playwright."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
