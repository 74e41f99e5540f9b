"""`gwctl add` at a real terminal (a pseudo-terminal): prompts from the schema, answers
checked as typed, credentials read without echo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import CANARY_HEX, TWILIO_SID, AgeIdentity, ConfigDirFactory, ConfigRepo

GWCTL = Path(sys.executable).parent / "gwctl"


@pytest.fixture
def repo(config_dir: ConfigDirFactory, sops_env: AgeIdentity) -> ConfigRepo:
    return config_dir({})


def spawn(repo: ConfigRepo, *args: str) -> pexpect.spawn:
    terminal = pexpect.spawn(
        str(GWCTL),
        ["-C", str(repo.root), "add", *args],
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    terminal.logfile_read = _Screen()
    return terminal


class _Screen:
    """Everything the terminal showed, to search for a credential afterwards."""

    text = ""

    def write(self, data: str) -> None:
        self.text += data

    def flush(self) -> None:
        pass


def answer(terminal: pexpect.spawn, prompt: str, reply: str) -> None:
    terminal.expect_exact(prompt)
    terminal.sendline(reply)


def test_add_asks_for_every_field_and_hides_the_secret(repo: ConfigRepo) -> None:
    terminal = spawn(repo, "twilio", "twilio-us")
    answer(terminal, "Gateway Name:", "Twilio US")
    answer(terminal, "Status (active/inactive) [active]:", "")
    answer(terminal, "Sending Pattern [loop]:", "")
    answer(terminal, "Fallback Sender ID:", "NOT A VALID SENDER")
    terminal.expect_exact("must be an alphanumeric sender ID")
    answer(terminal, "Fallback Sender ID:", "SMSPLUS")
    answer(terminal, "Logo (optional, Enter to leave out):", "")
    answer(terminal, "Description (optional, Enter to leave out):", "US traffic")
    answer(terminal, "Signup Link (optional, Enter to leave out):", "")
    answer(terminal, "Protect [y/N]:", "")
    answer(terminal, "SID:", TWILIO_SID)
    answer(terminal, "Auth Token:", CANARY_HEX)
    answer(terminal, "Repeat for confirmation:", CANARY_HEX)
    terminal.expect_exact("valid: twilio-us added")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0
    screen = terminal.logfile_read.text  # type: ignore[union-attr]
    assert CANARY_HEX not in screen
    assert "Twilio US" in screen  # what is not secret is echoed as typed
    for path in repo.root.rglob("*"):
        if path.is_file():
            assert CANARY_HEX.encode() not in path.read_bytes(), path
    assert "description: US traffic" in (repo.gateways / "twilio-us.yaml").read_text()


def test_add_at_a_terminal_still_takes_the_values_given_as_options(repo: ConfigRepo) -> None:
    terminal = spawn(
        repo,
        "infobip",
        "infobip-eu",
        "--name",
        "Infobip I",
        "--status",
        "active",
        "--sending-pattern",
        "batch",
        "--fallback-sender-id",
        "SMSPLUS",
        "--logo",
        "",
        "--description",
        "",
        "--signup-link",
        "",
        "--protect",
    )
    for prompt, value in (("API Key:", "infobip-api-key-0001"), ("Secret Key:", CANARY_HEX)):
        answer(terminal, prompt, value)
        answer(terminal, "Repeat for confirmation:", value)
    terminal.expect_exact("valid: infobip-eu added")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0
    assert "protect: true" in (repo.gateways / "infobip-eu.yaml").read_text()
