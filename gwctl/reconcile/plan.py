"""The plan: a pure, field-level diff of the accounts in git against the live store.

`diff()` computes; renderers (gwctl.cli.output.plan) only display. A Plan never holds a secret
value: sensitive fields appear only as "changed", detected through fingerprints under the
repository's key.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from gwctl.core.model import PLAIN_FIELDS, Account, Secret
from gwctl.core.views import Gateway

if TYPE_CHECKING:  # at run time only its objects are used: the CLI starts without jsonschema
    from gwctl.core.providers import CredentialField, Provider

FORMAT_VERSION = 1
MANAGED = "gwctl"
# Fields an update sends that are not part of the account itself: gwctl's bookkeeping
DIGEST_FIELD = "secret_file_digest"
FINGERPRINT_FIELD = "credential_fingerprints"
BOOKKEEPING = frozenset({DIGEST_FIELD, FINGERPRINT_FIELD})


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any = None
    new: Any = None
    sensitive: bool = False  # a secret: only the fact that it changed is ever shown


@dataclass(frozen=True, slots=True)
class Change:
    action: str  # create | update | rename | delete
    key: str
    provider: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    live_version: int | None = None
    from_key: str | None = None  # rename: the key the account had

    @property
    def changes_values(self) -> bool:
        """False for an update that only records a re-encrypted secret file's digest or the
        credentials' fingerprints."""
        return self.action != "update" or any(f.field not in BOOKKEEPING for f in self.fields)


@dataclass(frozen=True, slots=True)
class Desired:
    """An account from git with what the plan knows of its credentials.

    `credentials` is None when the secret file is byte-identical to the one last applied
    (the store's `applied_digest`), so it was not decrypted: the values cannot differ.
    """

    account: Account
    provider: Provider
    credentials: Mapping[str, Secret] | None
    # the credentials' fingerprints under the repository's key (None without the key)
    fingerprints: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    unchanged: tuple[str, ...]
    unmanaged: tuple[str, ...]  # live accounts made by hand: reported, never touched
    kept: tuple[str, ...]  # managed accounts whose file is gone, kept without --prune
    live_versions: Mapping[str, int]
    inputs_digest: str
    store: str
    prune: bool = False
    plan_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0).isoformat()
    )

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


class LiveCredential(TypedDict):
    fingerprint: str | None
    value: str | None  # identifiers only


class LiveLogo(TypedDict):
    sha256: str


class LiveGateway(TypedDict):
    """What a plan, its safety checks (reconcile.safety) and drift (reconcile.drift) read of a
    live gateway (gwctl.core.views.Gateway); `live_view` keeps only these."""

    key: str
    provider: str
    version: int
    managed_by: str
    applied_digest: str | None
    name: str
    status: str
    sending_pattern: str
    fallback_sender_id: str
    description: str | None
    signup_link: str | None
    protect: bool
    logo: LiveLogo | None
    credentials: NotRequired[dict[str, LiveCredential]]  # left out when nothing reads them


# A live gateway in full (as the store lists it) or reduced by live_view: a plan reads the
# same fields of both, so it plans the same from either.
Live = Gateway | LiveGateway

_VIEW_FIELDS = ("key", "provider", "version", "managed_by", "applied_digest", *PLAIN_FIELDS)
_SHARED_FIELDS = frozenset({"provider", "status", "sending_pattern", "managed_by"})


def live_view(
    gateway: Gateway, *, credentials: bool = True, account: Account | None = None
) -> LiveGateway:
    """A live gateway as the store lists it, reduced to what a plan compares: a plan of
    10,000 accounts holds all of them at once, and the rest (company name, audit fields,
    masks, logo details) is half of each. Few-valued strings are shared, not copied.

    `credentials=False` leaves out the credentials' fingerprints and values: for a gateway
    whose secret file is the one applied (see `secrets_in_sync`) nothing reads them.
    `account`, the account in git of the same key: a string equal to the account's is kept
    as the account's own, so an account in sync holds each value once, not twice."""
    twin = _strings_of(account) if account is not None else {}
    by_name: Mapping[str, Any] = gateway
    view: dict[str, Any] = {}  # filled by name: the fields are LiveGateway's
    for name in _VIEW_FIELDS:
        if name in by_name:
            value = by_name[name]
            shared = name in _SHARED_FIELDS and isinstance(value, str)
            view[name] = sys.intern(value) if shared else _one_copy(value, twin.get(name))
    if "logo" in gateway:
        logo = gateway["logo"]
        view["logo"] = {"sha256": _one_copy(logo.get("sha256"), twin.get("logo"))} if logo else logo
    stored = gateway.get("credentials")
    if not credentials or "credentials" not in gateway:
        return cast(LiveGateway, view)
    if stored:
        view["credentials"] = {
            name: {"fingerprint": one.get("fingerprint"), "value": one.get("value")} if one else one
            for name, one in stored.items()
        }
    else:
        view["credentials"] = stored
    return cast(LiveGateway, view)


def _one_copy(value: Any, twin: Any) -> Any:
    return twin if isinstance(value, str) and value == twin else value


def _strings_of(account: Account) -> dict[str, Any]:
    """An account's values under the names a live gateway gives them."""
    return {
        **account.plain_values(),
        "key": account.key,
        "applied_digest": account.secret_digest,
        "logo": account.logo.sha256 if account.logo else None,
    }


def secrets_in_sync(
    accounts: Sequence[Account], *, fingerprinted: bool = False
) -> Callable[[Gateway], bool]:
    """A test for live gateways: true when every account that diffs against the gateway
    (by key, or by `moved_from` for a rename) has the secret file the store recorded as
    applied, or none does. Such a gateway's credentials are never compared: those files are
    not decrypted (gwctl.reconcile.desired), and a delete compares no values. With
    `fingerprinted` (the repository has its key) a gateway whose secrets have no
    fingerprint is not in sync: it is decrypted to be fingerprinted."""
    digests: dict[str, set[str]] = {}
    for account in accounts:
        for live_key in filter(None, (account.key, account.moved_from)):
            digests.setdefault(live_key, set()).add(account.secret_digest)

    def in_sync(gateway: Gateway) -> bool:
        wanted = digests.get(gateway["key"])
        if fingerprinted and _unfingerprinted(gateway.get("credentials")):
            return False  # decrypted once more, to fingerprint it (a store upgraded to them)
        return not wanted or wanted == {gateway.get("applied_digest")}

    return in_sync


def secret_file_applied(account: Account, live: Live | None) -> bool:
    """The store recorded this exact encrypted file as applied, and nobody wrote since."""
    return live is not None and live.get("applied_digest") == account.secret_digest


def secret_unchanged(account: Account, live: Live | None) -> bool:
    """`secret_file_applied`, and its secrets carry fingerprints (or the plan has no key to
    make them: then the live view holds no credentials)."""
    return secret_file_applied(account, live) and not _unfingerprinted(
        live.get("credentials") if live is not None else None
    )


def _unfingerprinted(credentials: Mapping[str, Any] | None) -> bool:
    """A secret of the store without a fingerprint (an identifier has its value instead)."""
    return any(
        one and one.get("fingerprint") is None and one.get("value") is None
        for one in (credentials or {}).values()
    )


def inputs_digest(accounts: Sequence[Account], prune: bool) -> str:
    """A hash of everything a plan was computed from on the git side."""
    hasher = hashlib.sha256(f"gwctl-plan-inputs/1 prune={prune}\n".encode())
    for account in sorted(accounts, key=lambda a: a.key):
        logo = account.logo.sha256 if account.logo else "-"
        hasher.update(
            f"{account.key} {account.account_digest} {account.secret_digest} {logo}\n".encode()
        )
    return "sha256:" + hasher.hexdigest()


def diff(desired: Sequence[Desired], live: Sequence[Live], *, prune: bool, store: str) -> Plan:
    """Compare git with the store: creates, updates, renames and (with prune) deletes."""
    live_by_key = {gateway["key"]: gateway for gateway in live}
    wanted = {item.account.key for item in desired}
    renamed_from = {
        item.account.moved_from for item in desired if _is_rename(item.account, live_by_key)
    }
    changes: list[Change] = []
    unchanged: list[str] = []
    for item in sorted(desired, key=lambda d: d.account.key):
        change = _change_for(item, live_by_key)
        if change is None:
            unchanged.append(item.account.key)
        else:
            changes.append(change)
    unmanaged, kept = [], []
    for key, gateway in sorted(live_by_key.items()):
        if key in wanted or key in renamed_from:
            continue
        if gateway.get("managed_by") != MANAGED:
            unmanaged.append(key)
        elif prune:
            changes.append(
                Change(
                    "delete",
                    key,
                    gateway["provider"],
                    gateway["name"],
                    live_version=int(gateway["version"]),
                )
            )
        else:
            kept.append(key)
    changes.sort(key=lambda c: (c.key, c.action))
    return Plan(
        changes=tuple(changes),
        unchanged=tuple(unchanged),
        unmanaged=tuple(unmanaged),
        kept=tuple(kept),
        live_versions={key: int(gateway["version"]) for key, gateway in live_by_key.items()},
        inputs_digest=inputs_digest([item.account for item in desired], prune),
        store=store,
        prune=prune,
    )


def _is_rename(account: Account, live_by_key: Mapping[str, Live]) -> bool:
    return (
        account.moved_from is not None
        and account.key not in live_by_key
        and account.moved_from in live_by_key
    )


def _change_for(item: Desired, live_by_key: Mapping[str, Live]) -> Change | None:
    account = item.account
    if _is_rename(account, live_by_key):
        old = live_by_key[str(account.moved_from)]
        return Change(
            "rename",
            account.key,
            account.provider,
            account.name,
            _field_changes(item, old),
            int(old["version"]),
            from_key=account.moved_from,
        )
    current = live_by_key.get(account.key)
    if current is None:
        return Change("create", account.key, account.provider, account.name, _creation_fields(item))
    fields = _field_changes(item, current)
    if not fields:
        return None
    return Change(
        "update", account.key, account.provider, account.name, fields, int(current["version"])
    )


def _creation_fields(item: Desired) -> tuple[FieldChange, ...]:
    values = [
        FieldChange(name, None, value)
        for name, value in item.account.plain_values().items()
        if value is not None and value is not False
    ]
    if item.account.logo is not None:
        values.append(FieldChange("logo", None, _logo_label(item.account)))
    for credential in item.provider.credentials:
        secret = (item.credentials or {}).get(credential.name)
        shown = None if credential.secret or secret is None else secret.reveal()
        values.append(FieldChange(credential.name, None, shown, sensitive=credential.secret))
    return tuple(values)


def _field_changes(item: Desired, live: Live) -> tuple[FieldChange, ...]:
    account = item.account
    by_name: Mapping[str, Any] = live
    changes = [
        FieldChange(name, by_name.get(name), value)
        for name, value in account.plain_values().items()
        if _normalized(by_name.get(name)) != _normalized(value)
    ]
    logo = live.get("logo")
    live_logo = logo.get("sha256") if logo else None
    wanted_logo = account.logo.sha256 if account.logo else None
    if live_logo != wanted_logo:
        changes.append(FieldChange("logo", _short(live_logo), _logo_label(account)))
    if live.get("managed_by") != MANAGED:
        changes.append(FieldChange("managed_by", live.get("managed_by"), MANAGED))
    changes.extend(_credential_changes(item, live))
    return tuple(changes)


def _credential_changes(item: Desired, live: Live) -> list[FieldChange]:
    if item.credentials is None:
        return []
    live_credentials = live.get("credentials") or {}
    changes = []
    for credential in item.provider.credentials:
        stored: Mapping[str, Any] = live_credentials.get(credential.name) or {}
        value = item.credentials.get(credential.name)
        if value is None or _unchanged(item, credential, value, stored):
            continue
        if credential.secret:
            changes.append(FieldChange(credential.name, sensitive=True))
        else:
            changes.append(FieldChange(credential.name, stored.get("value"), value.reveal()))
    if changes and live.get("applied_digest") == item.account.secret_digest:
        # the applied file: the values are the store's, only the fingerprints are missing
        return [FieldChange(FINGERPRINT_FIELD, None, "set")]
    if not changes and live.get("applied_digest") != item.account.secret_digest:
        changes.append(
            FieldChange(
                DIGEST_FIELD, _short(live.get("applied_digest")), _short(item.account.secret_digest)
            )
        )
    return changes


def _unchanged(
    item: Desired, credential: CredentialField, value: Secret, stored: Mapping[str, Any]
) -> bool:
    """An identifier compares in clear; a secret by its fingerprint, which only the
    repository's key computes (none stored, or no key: it may differ, so it is sent)."""
    if not credential.secret:
        return bool(stored.get("value") == value.reveal())
    wanted = item.fingerprints.get(credential.name) if item.fingerprints else None
    return wanted is not None and hmac.compare_digest(wanted, str(stored.get("fingerprint") or ""))


def _normalized(value: Any) -> Any:
    return None if value in ("", False) else value


def _logo_label(account: Account) -> str | None:
    if account.logo is None:
        return None
    return f"{account.logo.path} (sha256 {account.logo.sha256[:12]})"


def _short(digest: str | None) -> str | None:
    if not digest:
        return None
    return digest.removeprefix("sha256:")[:12]
