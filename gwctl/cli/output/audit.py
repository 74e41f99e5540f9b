"""`gwctl audit verify`: the log intact and who vouches for it, or the first entry that breaks."""

from __future__ import annotations

from typing import Any

from gwctl.cli.output.counting import counted
from gwctl.cli.output.data_json import as_json
from gwctl.core.audit_chain import ChainVerdict


def audit_verdict_text(verdict: ChainVerdict, *, witnessed: bool) -> str:
    if not verdict.ok:
        first, *others = sorted(verdict.problems, key=lambda problem: problem.seq)
        lines = [f"audit log BROKEN at entry #{first.seq}: {first.reason}"]
        lines += [f"  also at entry #{problem.seq}: {problem.reason}" for problem in others]
        return "\n".join(lines)
    entries = f"{verdict.entries} {'entry' if verdict.entries == 1 else 'entries'}"
    lines = [f"audit log intact: {entries} verified"]
    if verdict.checkpoint_seq is not None:
        lines.append(f"  signed by the store up to entry #{verdict.checkpoint_seq}")
    if witnessed:
        lines.append(f"  {counted(verdict.witnesses, 'outside checkpoint')} still in the log")
    else:
        lines.append(
            "  without a checkpoint kept outside the store (--checkpoint), deleting the newest "
            "entries together with their checkpoints, or a rewrite by a holder of the signing "
            "key, cannot be seen"
        )
    return "\n".join(lines)


def audit_verdict_json(verdict: ChainVerdict) -> str:
    return as_json(verdict_data(verdict))


def verdict_data(verdict: ChainVerdict) -> dict[str, Any]:
    problems = [
        {"seq": problem.seq, "reason": problem.reason}
        for problem in sorted(verdict.problems, key=lambda problem: problem.seq)
    ]
    return {
        "ok": verdict.ok,
        "entries": verdict.entries,
        "first_broken": problems[0] if problems else None,
        "problems": problems,
        "checkpoint_seq": verdict.checkpoint_seq,
        "witnesses": verdict.witnesses,
    }
