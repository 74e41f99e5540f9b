"""`gwctl store user create|list|disable|enable|set-role|reset-password`: people who sign in
to the web page. A password is read hidden (twice) from a terminal or from stdin, never taken
as an argument, and never printed or stored in clear."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect

from gwctl.remote.embedded import store_paths
from gwctl.store.db import create_store_engine
from gwctl.store.users import verify_password
from tests.support.canaries import CANARY_ADMIN_PASSWORD
from tests.support.cli import Outcome, assert_clean, invoke

GWCTL = Path(sys.executable).parent / "gwctl"


def user(root: Path, *args: str, stdin: str | None = None) -> Outcome:
    return invoke("-C", root, "store", "user", *args, stdin=stdin)


def create(root: Path, name: str, role: str, password: str) -> Outcome:
    return user(root, "create", name, "--role", role, "--password-stdin", stdin=password + "\n")


def signs_in(root: Path, name: str, password: str) -> bool:
    engine = create_store_engine(store_paths(root)[0])
    try:
        return verify_password(engine, name, password).principal is not None
    finally:
        engine.dispose()


def test_a_user_created_from_stdin_is_listed_and_signs_in(tmp_path: Path) -> None:
    created = create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)
    listed = user(tmp_path, "list")

    assert created.exit_code == 0, created.output
    assert created.stdout == "user alice created (admin)\n"
    assert listed.stdout.split()[:4] == ["alice", "admin", "enabled", "created"]
    assert listed.stdout.rstrip().endswith("last sign-in never")
    assert signs_in(tmp_path, "alice", CANARY_ADMIN_PASSWORD)
    assert_clean(created)
    assert_clean(listed)


def test_the_password_is_only_a_hash_in_the_database(tmp_path: Path) -> None:
    create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)

    database = Path(store_paths(tmp_path)[0].removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob("store.sqlite3*"))

    assert CANARY_ADMIN_PASSWORD.encode() not in stored
    assert b"$argon2id$" in stored


def test_user_list_as_json_names_role_state_and_times(tmp_path: Path) -> None:
    create(tmp_path, "auditor", "read", CANARY_ADMIN_PASSWORD)

    [listed] = json.loads(user(tmp_path, "list", "--format", "json").stdout)

    assert listed["name"] == "auditor"
    assert (listed["role"], listed["enabled"], listed["last_signin_at"]) == ("read", True, None)
    assert listed["created_by"] == "gwctl-cli"
    assert set(listed) == {"name", "role", "enabled", "created_at", "created_by", "last_signin_at"}


def test_a_disabled_user_is_listed_so_and_no_longer_signs_in(tmp_path: Path) -> None:
    create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)

    disabled = user(tmp_path, "disable", "alice")

    assert disabled.exit_code == 0
    assert disabled.stdout == "user alice disabled\n"
    assert " disabled " in user(tmp_path, "list").stdout
    assert not signs_in(tmp_path, "alice", CANARY_ADMIN_PASSWORD)


def test_an_enabled_user_signs_in_again(tmp_path: Path) -> None:
    create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)
    user(tmp_path, "disable", "alice")

    enabled = user(tmp_path, "enable", "alice")

    assert (enabled.exit_code, enabled.stdout) == (0, "user alice enabled\n")
    assert signs_in(tmp_path, "alice", CANARY_ADMIN_PASSWORD)


def test_set_role_changes_the_listed_role(tmp_path: Path) -> None:
    create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)

    changed = user(tmp_path, "set-role", "alice", "--role", "read")

    assert (changed.exit_code, changed.stdout) == (0, "user alice is now read\n")
    assert user(tmp_path, "list").stdout.split()[:2] == ["alice", "read"]


def test_reset_password_from_stdin_replaces_the_password_and_never_shows_it(
    tmp_path: Path,
) -> None:
    create(tmp_path, "alice", "admin", "the first password of the admin")
    new_password = CANARY_ADMIN_PASSWORD

    reset = user(tmp_path, "reset-password", "alice", "--password-stdin", stdin=new_password + "\n")

    assert reset.exit_code == 0, reset.output
    assert reset.stdout == "user alice: password reset, sessions ended\n"
    assert signs_in(tmp_path, "alice", new_password)
    assert_clean(reset)


def test_resetting_the_password_of_an_unknown_user_is_a_clear_error(tmp_path: Path) -> None:
    refused = user(
        tmp_path, "reset-password", "nobody", "--password-stdin", stdin=CANARY_ADMIN_PASSWORD
    )

    assert refused.exit_code == 1
    assert "no user named 'nobody'" in refused.output
    assert_clean(refused)


def test_a_short_password_is_refused_saying_the_rule(tmp_path: Path) -> None:
    refused = create(tmp_path, "alice", "admin", "short")

    assert refused.exit_code == 1
    assert "a password is 12 to 128 characters (this one: 5)" in refused.output
    assert user(tmp_path, "list").stdout.strip() == ""
    assert_clean(refused)


def test_a_password_containing_the_user_name_is_refused(tmp_path: Path) -> None:
    refused = create(tmp_path, "alice", "admin", "Alice-and-her-cat-2026")

    assert refused.exit_code == 1
    assert "must not contain the user name" in refused.output


def test_a_taken_user_name_is_a_conflict(tmp_path: Path) -> None:
    create(tmp_path, "alice", "admin", CANARY_ADMIN_PASSWORD)

    again = create(tmp_path, "alice", "read", CANARY_ADMIN_PASSWORD + "x")

    assert again.exit_code == 1
    assert "a user named 'alice' exists already" in again.output


def test_disabling_an_unknown_user_is_a_clear_error(tmp_path: Path) -> None:
    refused = user(tmp_path, "disable", "nobody")

    assert refused.exit_code == 1
    assert "no user named 'nobody'" in refused.output
    assert_clean(refused)


def test_without_a_terminal_or_password_stdin_it_says_what_to_use(tmp_path: Path) -> None:
    refused = user(tmp_path, "create", "alice", "--role", "admin", stdin="")

    assert refused.exit_code == 1
    assert "use --password-stdin" in refused.output


def test_a_password_is_never_an_argument(tmp_path: Path) -> None:
    refused = user(tmp_path, "create", "alice", "--role", "admin", "--password", "x" * 20)

    assert refused.exit_code == 64  # a usage error
    assert "No such option '--password'" in refused.output


def test_at_a_terminal_the_password_is_typed_twice_without_echo(tmp_path: Path) -> None:
    terminal = pexpect.spawn(
        str(GWCTL),
        ["-C", str(tmp_path), "store", "user", "create", "alice", "--role", "read"],
        env={**os.environ, "NO_COLOR": "1"},
        encoding="utf-8",
        timeout=60,
    )
    terminal.expect_exact("Password: ")
    terminal.sendline(CANARY_ADMIN_PASSWORD)
    terminal.expect_exact("Password again: ")
    terminal.sendline(CANARY_ADMIN_PASSWORD)
    terminal.expect_exact("user alice created (read)")
    shown = terminal.before or ""
    terminal.expect(pexpect.EOF)
    terminal.close()

    assert terminal.exitstatus == 0
    assert CANARY_ADMIN_PASSWORD not in shown
    assert signs_in(tmp_path, "alice", CANARY_ADMIN_PASSWORD)


def test_an_empty_password_stdin_is_a_clear_error(tmp_path: Path) -> None:
    refused = user(tmp_path, "create", "alice", "--role", "admin", "--password-stdin", stdin="\n")

    assert refused.exit_code == 1
    assert "--password-stdin: stdin gave no password" in refused.output
