"""A new user's first hour: the installed wheel, a config repository of their own under git."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import TWILIO_SID, png_bytes
from tests.support.age import AgeIdentity
from tests.support.canaries import CANARY_HEX
from tests.support.distribution import Distribution
from tests.support.people import ADMIN
from tests.support.providers import ProviderServer
from tests.support.servers import free_port
from tests.support.web_client import signin_form

RUNTIME_FILES = (
    "gwctl/schema/common.schema.json",
    "gwctl/schema/twilio.schema.json",
    "gwctl/schema/gwctl.schema.json",
    "gwctl/store/migrations/versions/0001_initial.py",
    "gwctl/store/web/templates/signin.html",
)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """An empty folder under git, far from this checkout."""
    root = tmp_path / "smsplus-gateways"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.fixture
def user_env(tmp_path: Path, age_identity: AgeIdentity) -> dict[str, str]:
    """A shell of the user's: the venv's gwctl on PATH, their age key, nothing of ours."""
    home = tmp_path / "home"
    home.mkdir()
    keep = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "LANG", "LC_ALL", "TMPDIR")
    }
    return {
        **keep,
        "HOME": str(home),
        "SOPS_AGE_KEY_FILE": str(age_identity.key_file),
        "GIT_AUTHOR_NAME": "u",
        "GIT_AUTHOR_EMAIL": "u@example.com",
        "GIT_COMMITTER_NAME": "u",
        "GIT_COMMITTER_EMAIL": "u@example.com",
    }


def gwctl(
    dist: Distribution, root: Path, env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(dist.gwctl), *args],
        cwd=root,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert CANARY_HEX not in result.stdout + result.stderr
    return result.stdout


def test_the_wheel_and_the_sdist_carry_every_runtime_file(distribution: Distribution) -> None:
    wheel = distribution.wheel_names()
    sdist = distribution.sdist_names()
    for name in RUNTIME_FILES:
        assert name in wheel
        assert any(entry.endswith("/" + name) for entry in sdist), name
    assert any(name.endswith("/licenses/LICENSE") for name in wheel)


def test_the_base_install_has_no_database_server_drivers(distribution: Distribution) -> None:
    listed = subprocess.run(
        [str(distribution.venv / "bin" / "pip"), "list"], capture_output=True, text=True, check=True
    ).stdout.lower()
    assert "psycopg" not in listed
    assert "pymysql" not in listed


def test_a_server_database_without_its_driver_names_the_extra(
    distribution: Distribution,
    user_repo: Path,
    user_env: dict[str, str],
) -> None:
    result = gwctl(
        distribution,
        user_repo,
        user_env,
        "store",
        "token",
        "list",
        "--db",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    assert result.returncode == 1
    assert "pip install 'gwctl[postgres]'" in result.stderr
    assert "Traceback" not in result.stderr


def init_with_one_twilio_account(dist: Distribution, root: Path, env: dict[str, str]) -> None:
    """`gwctl init`, then `gwctl add twilio twilio-us` with its logo, as a user does it."""
    ok(gwctl(dist, root, env, "init"))
    (root / "gateways.d" / "logos").mkdir()
    (root / "gateways.d" / "logos" / "twilio.png").write_bytes(png_bytes())
    ok(
        gwctl(
            dist,
            root,
            env,
            "add",
            "twilio",
            "twilio-us",
            "--name",
            "Twilio US",
            "--status",
            "active",
            "--fallback-sender-id",
            "+15005550006",
            "--logo",
            "logos/twilio.png",
            "--no-protect",
            "--description",
            "",
            "--signup-link",
            "",
            "--credentials-stdin",
            stdin=f"account_sid={TWILIO_SID}\nauth_token={CANARY_HEX}\n",
        )
    )


def test_a_new_user_goes_from_init_to_a_converged_store(
    distribution: Distribution,
    user_repo: Path,
    user_env: dict[str, str],
    age_identity: AgeIdentity,
) -> None:
    init_with_one_twilio_account(distribution, user_repo, user_env)
    assert age_identity.public_key in (user_repo / ".sops.yaml").read_text()
    assert "valid: 1 account" in ok(gwctl(distribution, user_repo, user_env, "validate"))
    assert "1 to create" in ok(
        gwctl(distribution, user_repo, user_env, "plan", "--detailed-exitcode"), code=2
    )
    ok(gwctl(distribution, user_repo, user_env, "apply", "--auto-approve"))
    assert "No changes" in ok(
        gwctl(distribution, user_repo, user_env, "plan", "--detailed-exitcode")
    )
    assert_nothing_private_is_staged(user_repo, user_env)
    assert_nothing_on_disk_holds(user_repo, CANARY_HEX)


def test_the_installed_gwctl_verifies_with_the_check_its_packaged_schema_declares(
    distribution: Distribution,
    user_repo: Path,
    user_env: dict[str, str],
    providers: ProviderServer,
) -> None:
    init_with_one_twilio_account(distribution, user_repo, user_env)
    (user_repo / "gwctl.yaml").write_text(
        f"verify:\n  base_urls:\n    twilio: {providers.base_url}\n", encoding="utf-8"
    )

    verified = ok(gwctl(distribution, user_repo, user_env, "verify"))
    applied = ok(gwctl(distribution, user_repo, user_env, "apply", "--auto-approve", "--verify"))

    assert "twilio-us  verified     credentials accepted (HTTP 200)" in verified
    assert "Verified 1 of 1 account." in applied
    assert [request.basic_auth for request in providers.requests] == [(TWILIO_SID, CANARY_HEX)] * 2


def test_the_installed_store_serves_the_page_to_a_signed_in_admin(
    distribution: Distribution,
    user_repo: Path,
    user_env: dict[str, str],
) -> None:
    ok(gwctl(distribution, user_repo, user_env, "init"))
    create = ("store", "user", "create", ADMIN.name, "--role", "admin", "--password-stdin")
    ok(gwctl(distribution, user_repo, user_env, *create, stdin=ADMIN.password + "\n"))
    with (
        served(distribution, user_repo, user_env) as base_url,
        httpx.Client(
            base_url=base_url,
            timeout=10,
        ) as browser,
    ):
        form = signin_form(browser.get("/signin").raise_for_status().text, ADMIN)
        signed_in = browser.post("/signin", data=form)
        assert signed_in.status_code == 303
        page = browser.get(signed_in.headers["location"])
        assert page.status_code == 200
        assert "Available Gateways" in page.text
    assert_nothing_private_is_staged(user_repo, user_env)


class served:
    """`gwctl serve --init` as a user runs it, on a free port of 127.0.0.1, its first admin
    token written to a file in the private .gwctl/ folder: yields the base URL."""

    def __init__(self, dist: Distribution, root: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.token_file = root / ".gwctl" / "first-admin-token"
        self.process = subprocess.Popen(
            [str(dist.gwctl), "serve", "--init", "--init-token-file", str(self.token_file)]
            + ["--port", str(self.port)],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> str:
        base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                    assert self.token_file.read_text().startswith("gwst_")
                    return base_url
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("gwctl serve did not answer within 60 s")

    def __exit__(self, *_exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def assert_nothing_private_is_staged(root: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (root / ".gwctl").is_dir()
    assert ".gwctl" not in status
    assert "gateways.d/" in status or "gwctl.yaml" in status  # the rest is staged


def assert_nothing_on_disk_holds(root: Path, planted: str) -> None:
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert planted.encode() not in path.read_bytes(), path
