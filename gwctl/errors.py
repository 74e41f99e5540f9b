"""The errors users see. Each carries its exit code (click's ClickException pattern), so the
command line catches this one type; every message is safe to print (never a secret).

It imports nothing of gwctl: every layer, the store included, may raise these.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_ERROR = 1  # invalid input, a refused or failed operation
EXIT_CHANGES = 2  # plan --detailed-exitcode: changes; drift: drift found
EXIT_UNREACHABLE = 3  # verify: a provider gave no verdict (nothing was refused): CI decides
EXIT_USAGE = 64  # a command line that cannot be parsed or does not go together (EX_USAGE)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT (128 + 2)


class GwctlError(Exception):
    """An error for the person at the terminal: the message says what went wrong and what
    to do; `exit_code` is what the command exits with."""

    exit_code: ClassVar[int] = EXIT_ERROR
