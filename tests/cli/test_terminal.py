"""What a person at a terminal sees: colours, the progress bar, NO_COLOR."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from gwctl.cli.terminal import Terminal
from tests.support.repos import ConfigRepo


def run_in_terminal(repo: ConfigRepo, *args: str, env: dict[str, str] | None = None) -> str:
    """Run gwctl with stdin, stdout and stderr on a pseudo-terminal; return what it shows."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "gwctl", "-C", str(repo.root), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **(env or {})},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def many_accounts(repo: ConfigRepo) -> ConfigRepo:
    for number in range(20):
        repo.write_account(
            f"bulk-{number:02d}",
            {
                "provider": "infobip",
                "name": f"Bulk {number}",
                "status": "active",
                "sending_pattern": "batch",
                "fallback_sender_id": "SMSPLUS",
            },
        )
        repo.write_secret(
            f"bulk-{number:02d}",
            {"api_key": f"bulk-api-{number:04d}", "secret_key": f"bulk-secret-{number:04d}"},
        )
    return repo


def test_a_terminal_gets_a_progress_bar_and_colours(many_accounts: ConfigRepo) -> None:
    shown = run_in_terminal(many_accounts, "plan")
    assert "decrypting secret files" in shown
    assert "\x1b[32m" in shown  # creates in green
    assert "Plan: 24 to create" in shown


def test_no_color_turns_colours_off(many_accounts: ConfigRepo) -> None:
    shown = run_in_terminal(many_accounts, "plan", env={"NO_COLOR": "1"})
    assert "\x1b[32m" not in shown


def test_piped_output_has_neither_colours_nor_a_progress_bar(many_accounts: ConfigRepo) -> None:
    result = many_accounts.gwctl("plan")
    assert "\x1b[" not in result.output
    assert "decrypting" not in result.output


def test_waiting_for_the_lock_is_said_once_per_holder(capsys: pytest.CaptureFixture[str]) -> None:
    terminal = Terminal()

    for holder in ("bob@ci (gwctl apply)", "bob@ci (gwctl apply)", "alice@laptop (gwctl apply)"):
        terminal.waiting(holder)  # the workflow asks again every second

    assert capsys.readouterr().err.splitlines() == [
        "waiting for the lock held by bob@ci (gwctl apply)",
        "waiting for the lock held by alice@laptop (gwctl apply)",
    ]
