"""`gwctl verify` and `apply --verify`: each account's verdict, as text or JSON.

Only what gwctl itself knows is printed: key, provider, verdict, the schema's reason and the
HTTP status. Never a credential, never a word of the provider's answer.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import click

from gwctl.cli.output.counting import counted

if TYPE_CHECKING:
    from gwctl.reconcile.verification import VerifyReport

VERIFY_FORMATS = ("text", "json")
FORMAT_VERSION = 1
VERDICTS = ("verified", "rejected", "suspended", "unreachable")
_COLOURS = {"verified": "green", "rejected": "red", "suspended": "red", "unreachable": "yellow"}
_LISTED_SKIPS = 5  # more skipped accounts for one reason are counted, not listed


def render_verify(report: VerifyReport, fmt: str, *, colour: bool = False) -> str:
    if fmt == "json":
        return json.dumps(verify_data(report), indent=2)
    return verify_text(report, colour=colour)


def verify_data(report: VerifyReport) -> dict[str, Any]:
    counts = Counter(result.verdict for result in report.results)
    return {
        "format_version": FORMAT_VERSION,
        "accounts": [
            {
                "key": result.key,
                "provider": result.provider,
                "verdict": result.verdict,
                "reason": result.reason,
                "http_status": result.http_status,
                "attempts": result.attempts,
                "host": result.host,
            }
            for result in report.results
        ],
        "skipped": [{"key": skip.key, "reason": skip.reason} for skip in report.skipped],
        "summary": {
            **{verdict: counts[verdict] for verdict in VERDICTS},
            "skipped": len(report.skipped),
        },
        "exit_code": report.exit_code,
    }


def verify_text(report: VerifyReport, *, colour: bool = False) -> str:
    width = max((len(result.key) for result in report.results), default=0)
    lines = []
    for result in report.results:
        verdict = f"{result.verdict:<11}"
        if colour:
            verdict = click.style(verdict, fg=_COLOURS[result.verdict])
        status = f" (HTTP {result.http_status})" if result.http_status is not None else ""
        lines.append(f"{result.key:<{width}}  {verdict}  {result.reason}{status}")
    lines += _skipped_lines(report)
    lines.append(_summary(report))
    return "\n".join(lines)


def _skipped_lines(report: VerifyReport) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for skip in report.skipped:
        by_reason.setdefault(skip.reason, []).append(skip.key)
    lines = []
    for reason, keys in by_reason.items():
        listed = ", ".join(keys) if len(keys) <= _LISTED_SKIPS else counted(len(keys), "account")
        lines.append(f"skipped {listed}: {reason}")
    return lines


def _summary(report: VerifyReport) -> str:
    total = len(report.results)
    if total == 0:
        return "No account to verify."
    counts = Counter(result.verdict for result in report.results)
    failed = ", ".join(f"{counts[v]} {v}" for v in VERDICTS[1:] if counts[v])
    verified = f"Verified {counts['verified']} of {counted(total, 'account')}"
    return f"{verified}: {failed}." if failed else f"{verified}."
