"""`protect: true`, enforced by the store for every client (API, changesets, the web page).

A protected gateway is never deleted. Removing the protection is a write of its own: it may
change nothing else, it is audited as `unprotect`, and a changeset that removes it cannot
delete the same gateway too, so a delete always takes two requests and two audit entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from gwctl.store.errors import Protected

UNPROTECT_DETAILS: Final[dict[str, Any]] = {"protect": {"from": True, "to": False}}
_HOW: Final = (
    "first remove the protection as a write of its own (set protect: false in its file and "
    "run gwctl apply, or PUT the gateway with only protect changed to false), then delete "
    "it in a separate request"
)


def check_delete(key: str, protect: bool, unprotected_here: bool) -> None:
    """Protected unless the gateway may be deleted: it is not protected, and its protection
    was not removed earlier in the same changeset."""
    if protect:
        raise Protected(
            f"gateway '{key}' is protected (protect: true), so the store does not delete it: "
            + _HOW,
            [{"key": key, "message": "protected"}],
        )
    if unprotected_here:
        raise Protected(
            f"gateway '{key}' had its protection removed earlier in this changeset: removing "
            "the protection and deleting are separate requests; apply the first, then delete",
            [{"key": key, "message": "unprotected in this changeset"}],
        )


def removes_protection(key: str, before: bool, after: bool, changed: Sequence[str]) -> bool:
    """True when a write turns `protect` from true to false and changes nothing else;
    Protected when it changes anything else too (a rename's new key included)."""
    if not before or after:
        return False
    others = [name for name in changed if name != "protect"]
    if others:
        raise Protected(
            f"a write that removes the protection of gateway '{key}' must change nothing "
            f"else, and this one also changes {', '.join(others)}: send protect: false alone "
            "first, then the other changes",
            [{"pointer": "/protect", "message": "send protect: false in a write of its own"}],
        )
    return True
