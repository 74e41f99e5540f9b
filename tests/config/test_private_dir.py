"""`.gwctl/` (the embedded store, its key and token) never reaches git, in any repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gwctl.core.private_dir import make_private_dir
from tests.support.accounts import account
from tests.support.cli import invoke
from tests.support.repos import ConfigDirFactory


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout


def test_a_new_private_dir_ignores_everything_in_it(tmp_path: Path) -> None:
    made = make_private_dir(tmp_path / ".gwctl")
    assert (made / ".gitignore").read_text() == "*\n"
    assert made.stat().st_mode & 0o077 == 0


def test_an_existing_folder_of_the_user_gets_no_gitignore(tmp_path: Path) -> None:
    make_private_dir(tmp_path)
    assert not (tmp_path / ".gitignore").exists()


def test_an_existing_gwctl_folder_gets_its_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gwctl").mkdir()
    make_private_dir(tmp_path / ".gwctl")
    assert (tmp_path / ".gwctl" / ".gitignore").is_file()


def test_the_embedded_store_leaves_nothing_for_git_to_stage(
    config_dir: ConfigDirFactory,
    sops_env: object,
) -> None:
    repo = config_dir({"twilio-us": account("twilio", "Twilio US")})
    git(repo.root, "init", "-q")
    assert invoke("-C", repo.root, "apply", "--auto-approve").exit_code == 0
    assert (repo.root / ".gwctl" / "store.sqlite3").is_file()
    git(repo.root, "add", "-A")
    assert ".gwctl" not in git(repo.root, "status", "--porcelain")


def test_validate_reports_each_tracked_private_file_and_how_to_recover(
    config_dir: ConfigDirFactory,
    sops_env: object,
) -> None:
    repo = config_dir({"twilio-us": account("twilio", "Twilio US")})
    git(repo.root, "init", "-q")
    assert invoke("-C", repo.root, "apply", "--auto-approve").exit_code == 0
    git(repo.root, "add", "-f", ".gwctl/store.key", ".gwctl/embedded-token")
    outcome = invoke("validate", repo.root)
    assert outcome.exit_code == 1
    for name in (".gwctl/embedded-token", ".gwctl/store.key"):
        assert f"{name}: tracked by git" in outcome.stdout
    assert "git rm -r --cached .gwctl" in outcome.stdout
    assert "rotate every credential" in outcome.stdout


def test_validate_outside_a_git_work_tree_checks_no_tracking(
    config_dir: ConfigDirFactory,
    no_sops_key: None,
) -> None:
    repo = config_dir({"twilio-us": account("twilio", "Twilio US")})
    assert invoke("validate", repo.root).exit_code == 0
