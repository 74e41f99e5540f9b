"""Applying a plan: under the store's lock, as one atomic, idempotent changeset."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from gwctl.core.model import Account, Secret
from gwctl.core.views import (
    Changeset,
    ChangesetOperation,
    ChangesetResult,
    GatewayWrite,
    LockInfo,
    LogoUpload,
    PlanFile,
)
from gwctl.errors import GwctlError
from gwctl.reconcile.plan import FINGERPRINT_FIELD, FORMAT_VERSION, MANAGED, Change, Desired, Plan
from gwctl.reconcile.unprotect import split_unprotect
from gwctl.remote.client import (
    Lock,
    StoreClient,
    StoreError,
    changeset_body,
    new_idempotency_key,
)
from gwctl.remote.lease import LeaseKeeper
from gwctl.remote.session import actor, ci_job


class LockBusy(GwctlError):
    """Another apply holds the store's lock; the message names the holder."""


class StalePlan(GwctlError):
    """A saved plan no longer matches the files or the store; the message lists why."""


@contextlib.contextmanager
def apply_lock(
    client: StoreClient,
    *,
    reason: str,
    ttl_seconds: int,
    timeout: float,
    waiting: Callable[[str], None] = lambda _: None,
    poll_seconds: float = 1.0,
) -> Iterator[Lock]:
    """Hold the store's apply lock for the block, renewing its lease of `ttl_seconds` while
    the block runs; wait up to `timeout` seconds for it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            lock = client.acquire_lock(
                holder=actor(),
                reason=reason,
                ttl_seconds=ttl_seconds,
                ci_job=ci_job(),
                source_commit=client.audit.source_commit,
            )
            break
        except StoreError as exc:
            if exc.code != "lock_held":
                raise
            holder = describe_lock(exc.details[0] if exc.details else None)
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"the store is locked by {holder}; wait, or raise --lock-timeout (an "
                    "apply that died frees its lock when its lease runs out); "
                    "to free it now: gwctl lock release --force"
                ) from None
            waiting(holder)
            time.sleep(poll_seconds)
    try:
        with LeaseKeeper(client, lock):
            yield lock
    finally:
        with contextlib.suppress(StoreError):
            client.release_lock(lock.id)


def describe_lock(lock: LockInfo | None) -> str:
    if lock is None:
        return "someone"
    parts = [str(lock.get("holder") or "someone")]
    if lock.get("ci_job"):
        parts.append(f"CI job {lock['ci_job']}")
    if lock.get("source_commit"):
        parts.append(f"commit {str(lock['source_commit'])[:12]}")
    if lock.get("reason"):
        parts.append(f"'{lock['reason']}'")
    if lock.get("expires_at"):
        parts.append(f"until {lock['expires_at']}")
    return ", ".join(parts)


_SAVED_PLAN_KEYS = {
    "format_version": int,
    "plan_id": str,
    "store": str,
    "prune": bool,
    "inputs_digest": str,
    "live_versions": dict,
}


def read_saved_plan(path: Path) -> PlanFile:
    """A plan file written by `gwctl plan -o`, checked enough to be trusted by apply."""
    try:
        saved: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StalePlan(
            f"{path}: not a readable gwctl plan file ({type(exc).__name__}): "
            "make one with `gwctl plan -o FILE`"
        ) from None
    wrong = [
        name
        for name, kind in _SAVED_PLAN_KEYS.items()
        if not isinstance(saved, dict) or not isinstance(saved.get(name), kind)
    ]
    if wrong:
        raise StalePlan(
            f"{path}: not a gwctl plan file (missing or invalid: "
            f"{', '.join(wrong)}): make one with `gwctl plan -o FILE`"
        )
    if saved["format_version"] != FORMAT_VERSION:
        raise StalePlan(
            f"{path}: plan format {saved['format_version']} is not the "
            f"{FORMAT_VERSION} this gwctl reads: make a new plan"
        )
    return cast(PlanFile, saved)  # its fields that apply reads are checked above


def check_still_current(saved: PlanFile, fresh: Plan) -> None:
    """Refuse a saved plan when the files or the store changed since it was made."""
    reasons = []
    if saved.get("store") != fresh.store:
        reasons.append(f"the plan was made for {saved.get('store')}, not {fresh.store}")
    if saved.get("inputs_digest") != fresh.inputs_digest:
        reasons.append("the files in gateways.d/ (or the prune setting) changed")
    before: Mapping[str, int] = saved.get("live_versions") or {}
    for key in sorted(set(before) | set(fresh.live_versions)):
        old, new = before.get(key), fresh.live_versions.get(key)
        if old == new:
            continue
        if old is None:
            reasons.append(f"{key} was created in the store")
        elif new is None:
            reasons.append(f"{key} was deleted from the store")
        else:
            reasons.append(f"{key} changed in the store (version {old} → {new})")
    if reasons:
        raise StalePlan(
            "the saved plan is out of date, nothing was applied:\n  "
            + "\n  ".join(reasons)
            + "\nmake a new plan and review it again"
        )


def changeset(plan: Plan, desired: Mapping[str, Desired]) -> Changeset:
    """The changeset for a plan: its operations, which reveal exactly the secrets the plan
    says must be written, and the logos they set, each image once (named by SHA-256: the
    accounts of a provider usually share one). A change that removes `protect: true` and
    does more is preceded by the write that only removes it (gwctl.reconcile.unprotect)."""
    logos: dict[str, LogoUpload] = {}
    operations: list[ChangesetOperation] = []
    for planned in plan.changes:
        unprotect, change = split_unprotect(planned, desired)
        operations += [unprotect] if unprotect else []
        operations.append(_operation(change, desired, logos))
    return {"operations": operations, "logos": logos}


def execute(
    client: StoreClient, plan: Plan, desired: Mapping[str, Desired], lock: Lock
) -> ChangesetResult:
    """Send the plan as one changeset: the store applies all of it or none of it. The audit
    entries record the plan's id, that of a saved plan or of the one just made."""
    return client.apply_changeset(
        changeset_body(changeset(plan, desired)),
        idempotency_key=new_idempotency_key(),
        lock_id=lock.id,
        plan_id=plan.plan_id,
    )


def _operation(
    change: Change, desired: Mapping[str, Desired], logos: dict[str, LogoUpload]
) -> ChangesetOperation:
    if change.action == "delete":
        return {"op": "delete", "key": change.key, "if_version": change.live_version}
    item = desired[change.key]
    if change.action == "create":
        return {"op": "create", "gateway": _body(item, _all_credentials(item), logos)}
    changed = {field.field for field in change.fields}
    credentials = {
        name: value
        for name, value in (item.credentials or {}).items()
        if name in changed or FINGERPRINT_FIELD in changed  # all: fingerprinted anew
    }
    body = _body(item, credentials, logos if "logo" in changed else None)
    if change.action == "rename":
        return {
            "op": "rename",
            "key": change.from_key,
            "new_key": change.key,
            "if_version": change.live_version,
            "gateway": body,
        }
    return {"op": "update", "key": change.key, "if_version": change.live_version, "gateway": body}


def _all_credentials(item: Desired) -> Mapping[str, Secret]:
    if item.credentials is None:  # cannot happen: a create always decrypts
        raise StoreError(f"{item.account.key}: credentials were not decrypted")
    return item.credentials


def _body(
    item: Desired, credentials: Mapping[str, Secret], logos: dict[str, LogoUpload] | None
) -> GatewayWrite:
    """A gateway write; with the logo (added to `logos`) unless `logos` is None."""
    account = item.account
    fields: dict[str, Any] = {
        "key": account.key,
        "provider": account.provider,
        **account.plain_values(),
        "credentials": {name: secret.reveal() for name, secret in credentials.items()},
        "managed_by": MANAGED,
        "applied_digest": account.secret_digest,
    }
    if item.fingerprints:  # the store keeps them: it cannot compute them (no key)
        fields["credential_fingerprints"] = {
            name: item.fingerprints[name] for name in credentials if name in item.fingerprints
        }
    body = cast(GatewayWrite, fields)  # the plain fields are GatewayWrite's, by name
    if logos is not None:
        body["logo"] = _logo(account, logos)
    return body


def _logo(account: Account, logos: dict[str, LogoUpload]) -> dict[str, str] | None:
    if account.logo is None:
        return None
    digest = account.logo.sha256
    if digest not in logos:
        logos[digest] = {
            "content_type": account.logo.content_type,
            "data": base64.b64encode(account.logo.data).decode("ascii"),
        }
    return {"sha256": digest}
