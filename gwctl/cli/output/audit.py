"""`gwctl audit verify`: the hash chain intact, or the first entry that breaks it."""

from __future__ import annotations

from gwctl.core.views import AuditVerdict


def audit_verdict_text(verdict: AuditVerdict) -> str:
    if verdict.get("ok"):
        return f"audit log intact: {verdict.get('entries')} entries verified"
    broken = verdict.get("first_broken")
    seq, reason = (broken["seq"], broken["reason"]) if broken else (None, None)
    return f"audit log BROKEN at entry #{seq}: {reason}"
