"""Ctrl-C exits 130 without a traceback, also while gwctl waits at a prompt (where click
would otherwise turn it into "Aborted!" and exit 1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect

from gwctl.config.settings import load_settings
from gwctl.errors import EXIT_INTERRUPTED
from gwctl.remote.session import open_store
from tests.support.providers import ProviderServer
from tests.support.repos import SECRETS, ConfigRepo

if TYPE_CHECKING:  # the stubs make spawn generic; the class itself is not subscriptable
    Terminal = pexpect.spawn[str]

GWCTL = Path(sys.executable).parent / "gwctl"


def spawn(repo: ConfigRepo, *args: str) -> Terminal:
    return pexpect.spawn(
        str(GWCTL),
        ["-C", str(repo.root), *args],
        env={**os.environ, "NO_COLOR": "1"},
        encoding="utf-8",
        timeout=60,
    )


def interrupt_at(terminal: Terminal, prompt: str) -> str:
    """Wait for `prompt`, press Ctrl-C; return what the terminal showed after it."""
    terminal.expect_exact(prompt)
    terminal.sendintr()
    terminal.expect(pexpect.EOF)
    terminal.close()
    return str(terminal.before)


def test_ctrl_c_at_an_add_prompt_exits_130(repo: ConfigRepo) -> None:
    terminal = spawn(repo, "add", "twilio", "twilio-eu")

    shown = interrupt_at(terminal, "Gateway Name:")

    assert terminal.exitstatus == EXIT_INTERRUPTED, shown
    assert "Traceback" not in shown
    assert "interrupted" in shown
    assert not (repo.root / "gateways.d" / "twilio-eu.yaml").exists()


def test_ctrl_c_at_the_apply_confirmation_exits_130_and_applies_nothing(repo: ConfigRepo) -> None:
    terminal = spawn(repo, "apply")

    shown = interrupt_at(terminal, "Apply these changes? [y/N]:")

    assert terminal.exitstatus == EXIT_INTERRUPTED, shown
    assert "Traceback" not in shown
    with open_store(load_settings(repo.root, None)) as client:
        assert client.list_gateways() == []
        assert not client.lock_status()["held"]  # the lock was released on the way out


def test_ctrl_c_while_verify_waits_on_a_provider_exits_130_at_once(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(SECRETS["twilio-us"]["account_sid"], "hang")
    terminal = spawn(pointed, "verify", "twilio-us", "--timeout", "60")
    terminal.timeout = 15  # well below the provider's 60 s: the interrupt ends the wait
    while not providers.requests:  # the request is out: gwctl now waits on the answer
        terminal.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.1)

    terminal.sendintr()
    terminal.expect(pexpect.EOF)
    terminal.close()
    shown = str(terminal.before)

    assert terminal.exitstatus == EXIT_INTERRUPTED, shown
    assert "Traceback" not in shown
    assert "interrupted" in shown
