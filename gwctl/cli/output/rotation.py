"""`gwctl store rotate-key`: what was re-encrypted, under which key ids (never a key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gwctl.store.rotation import Rotation


def rotation_text(rotation: Rotation) -> str:
    done = (
        f"re-encrypted {rotation.values} credential values of {rotation.gateways} gateways "
        f"under key {rotation.new_key_id} (was {rotation.old_key_id}); audited as key_rotate"
    )
    if rotation.from_environment:
        return (
            f"{done}\nnow set GWCTL_STORE_KEY to its first key alone on every server: the old "
            "key decrypts nothing any more"
        )
    return f"{done}\n{rotation.source} holds the new key only: the old key decrypts nothing"
