"""What `gwctl store backup` and `restore` print: what the archive holds, what was proven, and
the keys that are NOT in the archive (the one thing an operator must not forget)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.store.backup import BackupSummary
    from gwctl.store.restore import RestoreSummary

_SHOWN = (("gateways", "gateways"), ("tokens", "tokens"), ("audit_log", "audit entries"))


def backup_text(summary: BackupSummary) -> str:
    rows = {entry.name: entry.rows for entry in summary.tables}
    counts = ", ".join(f"{label}: {rows.get(table, 0):,}" for table, label in _SHOWN)
    signing_key = f"  audit signing key: {summary.signing_key_file or '$GWCTL_AUDIT_SIGNING_KEY'}"
    written = (
        f"backup written to {summary.path} ({counts}, "
        f"signed checkpoints: {rows.get('audit_checkpoints', 0):,}; {len(rows)} tables)\n"
    )
    if not summary.has_credential_key:
        return (
            f"{written}The archive holds no key. Keep this key safe, apart from the archive: "
            f"restore needs it.\n{signing_key}\n"
            "  credential key:    none yet (this store has never stored a credential; "
            "restore needs none)"
        )
    return (
        f"{written}The archive holds no key. Keep these two keys safe, apart from the "
        "archive: restore needs both.\n"
        f"  credential key:    {summary.key_file or '$GWCTL_STORE_KEY'}\n{signing_key}"
    )


def restore_text(path: Path, summary: RestoreSummary) -> str:
    counts = ", ".join(f"{label}: {summary.rows.get(table, 0):,}" for table, label in _SHOWN)
    checkpoint = (
        f"signed checkpoint at entry {summary.checkpoint_seq}"
        if summary.checkpoint_seq is not None
        else "no checkpoint yet (empty log)"
    )
    return (
        f"restored {path} (taken {summary.created_at} from {summary.source_dialect}): {counts}\n"
        f"audit log verified: {summary.audit_entries:,} entries, newest {checkpoint}; "
        "a store_restore entry was appended and signed\n"
        f"{_credential_key_line(summary)}\n"
        "done"
    )


def _credential_key_line(summary: RestoreSummary) -> str:
    if not summary.key_found:  # then the archive held no ciphertext (restore checked)
        return "no credential key needed: the archive holds no ciphertext"
    return f"credential key {summary.key_source}: decrypts all {summary.ciphertexts:,} ciphertexts"
