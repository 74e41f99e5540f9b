"""`gwctl add` at a real terminal (a pseudo-terminal): prompts from the schema, answers
checked as typed, credentials read without echo."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect
import pytest

from tests.support.accounts import TWILIO_SID
from tests.support.age import AgeIdentity
from tests.support.canaries import CANARY_HEX
from tests.support.repos import ConfigDirFactory, ConfigRepo

GWCTL = Path(sys.executable).parent / "gwctl"


@pytest.fixture
def repo(config_dir: ConfigDirFactory, sops_env: AgeIdentity) -> ConfigRepo:
    return config_dir({})


class _Screen:
    """Everything the terminal showed, to search for a credential afterwards."""

    text = ""

    def write(self, data: str) -> None:
        self.text += data

    def flush(self) -> None:
        pass


if TYPE_CHECKING:  # the stubs make spawn generic; the class itself is not subscriptable
    Terminal = pexpect.spawn[str]


def spawn(repo: ConfigRepo, *args: str) -> tuple[Terminal, _Screen]:
    terminal = pexpect.spawn(
        str(GWCTL),
        ["-C", str(repo.root), "add", *args],
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    screen = _Screen()
    terminal.logfile_read = screen
    return terminal, screen


def answer(terminal: Terminal, prompt: str, reply: str) -> None:
    terminal.expect_exact(prompt)
    terminal.sendline(reply)


def test_add_asks_for_every_field_and_hides_the_secret(repo: ConfigRepo) -> None:
    terminal, screen = spawn(repo, "twilio", "twilio-us")
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
    assert CANARY_HEX not in screen.text
    assert "Twilio US" in screen.text  # what is not secret is echoed as typed
    for path in repo.root.rglob("*"):
        if path.is_file():
            assert CANARY_HEX.encode() not in path.read_bytes(), path
    assert "description: US traffic" in (repo.gateways / "twilio-us.yaml").read_text()


def test_add_at_a_terminal_still_takes_the_values_given_as_options(repo: ConfigRepo) -> None:
    terminal, _screen = spawn(
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
