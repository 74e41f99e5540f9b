"""Whatever command line gwctl is given, it answers with our errors (a usage error, a config
problem, a refusal), never an internal error or a traceback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gwctl.cli.main import cli

# `serve` runs until stopped and is left out; everything else answers and exits
WORDS = st.sampled_from(
    [
        "validate",
        "plan",
        "apply",
        "drift",
        "verify",
        "import",
        "history",
        "gateways",
        "providers",
        "schema",
        "lock",
        "status",
        "release",
        "audit",
        "store",
        "token",
        "list",
        "create",
        "revoke",
        "init",
        "add",
        "twilio",
        "infobip",
        "acct",
        "gateways.d",
        "--format",
        "json",
        "text",
        "markdown",
        "csv",
        "github",
        "xml",
        "--env",
        "production",
        "-C",
        ".",
        "--directory",
        "--prune",
        "--no-prune",
        "--force",
        "--since",
        "2026-12-02",
        "yesterday",
        "--jobs",
        "0",
        "8",
        "--timeout",
        "-1",
        "--changed",
        "--verify",
        "--require-clean",
        "--auto-approve",
        "--detailed-exitcode",
        "-o",
        "/nonexistent/p.json",
        "--lock-timeout",
        "--lock-ttl",
        "--all",
        "--role",
        "admin",
        "read",
        "--",
        "-h",
        "",
        "\\x00",
        "é",
        "--bogus",
    ]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=st.lists(WORDS, max_size=6).filter(lambda words: "serve" not in words))
def test_any_command_line_gets_our_errors_never_an_internal_one(
    tmp_path: Path, argv: list[str]
) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), *argv], input="")

    output = result.output
    assert "internal error" not in output, (argv, output)
    assert "Traceback" not in output, (argv, output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, output)
