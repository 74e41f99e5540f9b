"""Gateway accounts in the database: their API view, and writes inside one transaction.

`GatewayWriter` performs creates, updates, renames, deletes, logo changes and credential
reads on a SQLAlchemy session that the caller's write transaction owns (so a changeset of
many operations is one transaction), and appends one audit entry per operation.
`gateway_view` turns a row into what the API shows: credentials masked and fingerprinted.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from gwctl.core.api_prefix import API_PREFIX
from gwctl.core.providers import STORE_COLUMNS, Provider
from gwctl.store import audit, protection
from gwctl.store.context import WriteContext
from gwctl.store.crypto import CredentialCipher, mask
from gwctl.store.db import GatewayRow, now_utc
from gwctl.store.errors import Conflict, NotFound, ValidationFailed, VersionMismatch
from gwctl.store.models import GatewayOut
from gwctl.store.paging import rfc3339
from gwctl.store.validation import (
    CheckedLogo,
    GatewayInput,
    Keep,
    check_key,
    normalize_name,
    parse_gateway_write,
)

# Fields whose change an update reports in the audit entry (credentials come on top).
TRACKED_FIELDS = (
    "provider",
    "name",
    "status",
    "sending_pattern",
    "fallback_sender_id",
    "description",
    "signup_link",
    "managed_by",
    "protect",
)


# What gateway_view reads: every column but the logo's bytes (lists stay light).
VIEW_COLUMNS = tuple(
    column for column in GatewayRow.__table__.columns if column.name != "logo_data"
)


def logo_url(key: str) -> str:
    return f"{API_PREFIX}/gateways/{key}/logo"


def gateway_view(
    row: GatewayRow | Row[Any], providers: Mapping[str, Provider], cipher: CredentialCipher
) -> GatewayOut:
    """A gateway as the API shows it: secrets only masked and fingerprinted."""
    return GatewayOut.model_validate(gateway_data(row, providers, cipher))


def gateway_data(
    row: GatewayRow | Row[Any] | SimpleNamespace,
    providers: Mapping[str, Provider],
    cipher: CredentialCipher,
) -> dict[str, Any]:
    """`gateway_view` as plain data, keys in GatewayOut's order (validate many at once:
    GatewayPage.model_validate; or serialize them as they are: pydantic_core.to_json).

    `row` is an ORM row, or a Core row of VIEW_COLUMNS or a namespace of its values.
    """
    provider = providers.get(row.provider)
    credentials: dict[str, dict[str, Any]] = {}
    for field in provider.credentials if provider else ():
        blob = getattr(row, field.column)
        if blob is None:
            continue
        value = cipher.decrypt(blob, gateway_key=row.key, column=field.column)
        credential = {
            "column": field.column,
            "secret": field.secret,
            "mask": mask(value, show_tail=field.random or not field.secret),
            "fingerprint": getattr(row, f"{field.column}_fingerprint"),
        }
        if not field.secret:  # a secret's value is never shown (CredentialOut leaves it out)
            credential["value"] = value
        credentials[field.name] = credential
    logo = None
    if row.logo_sha256 and row.logo_content_type and row.logo_size is not None:
        logo = {
            "content_type": row.logo_content_type,
            "sha256": row.logo_sha256,
            "size": row.logo_size,
            "url": logo_url(row.key),
        }
    return {
        "key": row.key,
        "provider": row.provider,
        "company_name": provider.company_name if provider else row.provider,
        "name": row.name,
        "status": row.status,
        "sending_pattern": row.sending_pattern,
        "fallback_sender_id": row.fallback_sender_id,
        "description": row.description,
        "signup_link": row.signup_link,
        "logo": logo,
        "credentials": credentials,
        "managed_by": row.managed_by,
        "protect": row.protect,
        "applied_digest": row.applied_digest,
        "version": row.version,
        "created_at": rfc3339(row.created_at),
        "created_by": row.created_by,
        "updated_at": rfc3339(row.updated_at),
        "updated_by": row.updated_by,
    }


def find_row(session: Session, key: str) -> GatewayRow:
    """The gateway row of `key`, or NotFound."""
    row = None
    if not check_key(key):  # only a well-formed key can exist (and be queried everywhere)
        row = session.scalar(select(GatewayRow).where(GatewayRow.key == key))
    if row is None:
        raise NotFound(f"no gateway with key '{key}'", [{"key": key}])
    return row


class GatewayWriter:
    """Gateway operations inside one write transaction, each audited with `context`."""

    def __init__(
        self,
        session: Session,
        cipher: CredentialCipher,
        providers: Mapping[str, Provider],
        context: WriteContext,
        changeset_id: str | None = None,
        logos: Mapping[str, CheckedLogo] | None = None,
    ) -> None:
        self.session = session
        self.cipher = cipher
        self.providers = providers
        self.context = context
        self.changeset_id = changeset_id
        self.logos = logos or {}  # a changeset's images, by SHA-256, its writes may name
        self.unprotected: set[int] = set()  # rows whose protection this transaction removed

    # -- reads -------------------------------------------------------------------------

    def get(self, key: str) -> GatewayRow:
        """The row of `key`, or NotFound."""
        return find_row(self.session, key)

    def read_credentials(self, key: str) -> dict[str, str]:
        """The credentials of `key` in clear; audited as `credentials_read`."""
        row = self.get(key)
        values = self._stored_credentials(row)
        self._audit("credentials_read", key, [f"credentials.{name}" for name in values])
        return values

    # -- writes ------------------------------------------------------------------------

    def create(self, data: Any) -> GatewayRow:
        """Create a gateway from a write body (its `key` and every credential required)."""
        write = parse_gateway_write(data, self.providers, logos=self.logos)
        assert write.key is not None
        if self.session.scalar(select(GatewayRow.id).where(GatewayRow.key == write.key)):
            raise Conflict(
                f"a gateway with key '{write.key}' exists already",
                [{"pointer": "/key", "message": "this key is taken"}],
            )
        now = now_utc()
        row = GatewayRow(
            key=write.key,
            version=1,
            created_at=now,
            created_by=self.context.actor,
            updated_at=now,
            updated_by=self.context.actor,
            logo_data=None,
        )
        changed = self._apply(row, write, {})
        if row.managed_by is None:
            row.managed_by = "manual"
        if row.protect is None:
            row.protect = False
        self.session.add(row)
        self.session.flush()
        self._audit("create", row.key, changed)
        return row

    def update(self, key: str, data: Any, if_version: int) -> GatewayRow:
        """Replace a gateway's fields; left-out credentials, logo, managed_by, protect stay."""
        row = self._get_at_version(key, if_version)
        stored = self._stored_credentials(row)
        write = parse_gateway_write(
            data, self.providers, key=key, stored=(row.provider, stored), logos=self.logos
        )
        was_protected = row.protect
        changed = self._apply(row, write, stored)
        unprotect = protection.removes_protection(key, was_protected, row.protect, changed)
        self._bump(row)
        if unprotect:
            self.unprotected.add(row.id)
            self._audit("unprotect", key, changed, details=protection.UNPROTECT_DETAILS)
        else:
            self._audit("update", key, changed)
        return row

    def rename(self, key: str, new_key: str, if_version: int, data: Any = None) -> GatewayRow:
        """Change a gateway's key in place (and apply `data` as an update if given)."""
        problems = check_key(new_key)
        if problems:
            raise ValidationFailed(
                problems[0].message, [{"parameter": "new_key", "message": problems[0].message}]
            )
        row = self._get_at_version(key, if_version)
        if new_key != key and self.session.scalar(
            select(GatewayRow.id).where(GatewayRow.key == new_key)
        ):
            raise Conflict(f"a gateway with key '{new_key}' exists already", [{"key": new_key}])
        stored = self._stored_credentials(row)
        row.key = new_key
        for field_name, value in stored.items():  # re-bind ciphertexts to the new key
            column = self._column(row.provider, field_name)
            setattr(row, column, self.cipher.encrypt(value, gateway_key=new_key, column=column))
        changed, was_protected = ["key"], row.protect
        if data is not None:
            write = parse_gateway_write(
                data,
                self.providers,
                key=new_key,
                stored=(row.provider, stored),
                logos=self.logos,
            )
            changed += self._apply(row, write, stored)
        else:
            row.applied_digest = None
        protection.removes_protection(key, was_protected, row.protect, changed)  # never alone
        self._bump(row)
        self._audit("rename", new_key, changed, details={"from": key, "to": new_key})
        return row

    def delete(self, key: str, if_version: int) -> None:
        """Delete a gateway (never a protected one: see gwctl.store.protection)."""
        row = self._get_at_version(key, if_version)
        protection.check_delete(key, row.protect, row.id in self.unprotected)
        details = {"name": row.name, "provider": row.provider, "version": row.version}
        self.session.delete(row)
        self.session.flush()
        self._audit("delete", key, [], details=details)

    def set_logo(self, key: str, logo: CheckedLogo | None, if_version: int) -> GatewayRow:
        """Replace (or with None remove) a gateway's logo."""
        row = self._get_at_version(key, if_version)
        self._set_logo(row, logo)
        row.applied_digest = None
        self._bump(row)
        self._audit("update", key, ["logo"])
        return row

    # -- helpers -----------------------------------------------------------------------

    def _get_at_version(self, key: str, if_version: int) -> GatewayRow:
        row = self.get(key)
        if row.version != if_version:
            raise VersionMismatch(
                f"gateway '{key}' is at version {row.version}, not {if_version}: it changed "
                "since you read it; read it again (or plan again) before writing",
                [{"key": key, "expected_version": if_version, "current_version": row.version}],
            )
        return row

    def _ensure_name_free(self, name: str, own_id: int | None) -> None:
        query = select(GatewayRow.key).where(GatewayRow.name_normalized == normalize_name(name))
        if own_id is not None:
            query = query.where(GatewayRow.id != own_id)
        other = self.session.scalar(query)
        if other is not None:
            raise Conflict(
                f"the Gateway Name '{name}' is already used by gateway '{other}' "
                "(names are unique ignoring case)",
                [{"pointer": "/name", "message": f"already used by '{other}'"}],
            )

    def _apply(self, row: GatewayRow, write: GatewayInput, stored: dict[str, str]) -> list[str]:
        """Set the row from a validated write; return the names of the changed fields.

        `stored` are the row's credentials before the write (unchanged ones keep their
        ciphertext and fingerprint).
        """
        if row.provider is not None and write.provider.id != row.provider:
            stored = {}  # another provider's credentials do not carry over
        self._ensure_name_free(write.name, row.id)
        before = {name: getattr(row, name) for name in TRACKED_FIELDS}
        row.provider = write.provider.id
        row.name = write.name
        row.name_normalized = normalize_name(write.name)
        row.status = write.status
        row.sending_pattern = write.sending_pattern
        row.fallback_sender_id = write.fallback_sender_id
        row.description = write.description
        row.signup_link = write.signup_link
        if not isinstance(write.managed_by, Keep):
            row.managed_by = write.managed_by
        if not isinstance(write.protect, Keep):
            row.protect = write.protect
        previous_digest, row.applied_digest = row.applied_digest, write.applied_digest
        changed = [name for name in TRACKED_FIELDS if getattr(row, name) != before[name]]
        if not isinstance(write.logo, Keep) and self._set_logo(row, write.logo):
            changed.append("logo")
        credentials = self._set_credentials(row, write, stored)
        if credentials and write.applied_digest == previous_digest:
            # The digest vouches for the credentials gwctl applied; new values under the old
            # digest would hide the change from drift and plan (their shortcut trusts it).
            row.applied_digest = None
        return changed + credentials

    def _set_logo(self, row: GatewayRow, logo: CheckedLogo | None) -> bool:
        new_sha = logo.sha256 if logo else None
        changed = (new_sha, logo.content_type if logo else None) != (
            row.logo_sha256,
            row.logo_content_type,
        )
        row.logo_data = logo.data if logo else None
        row.logo_content_type = logo.content_type if logo else None
        row.logo_sha256 = new_sha
        row.logo_size = len(logo.data) if logo else None
        return changed

    def _set_credentials(
        self, row: GatewayRow, write: GatewayInput, stored: dict[str, str]
    ) -> list[str]:
        """Store the credentials; return the names of those that changed.

        The store never computes a fingerprint (it has no key that a guess could not also
        use): it keeps the one the write brings. A new value under the fingerprint it had
        would hide the change, so then, as without one, the fingerprint becomes unknown."""
        changed = []
        columns = {field.column: field.name for field in write.provider.credentials}
        for column in STORE_COLUMNS:
            name = columns.get(column)
            if name is None:
                setattr(row, column, None)
                setattr(row, f"{column}_fingerprint", None)
                continue
            value, given = write.credentials[name], write.credential_fingerprints.get(name)
            if stored.get(name) == value:  # unchanged: keep the ciphertext
                if given is not None:  # fingerprinted anew (a new key, an upgraded store)
                    setattr(row, f"{column}_fingerprint", given)
                continue
            setattr(row, column, self.cipher.encrypt(value, gateway_key=row.key, column=column))
            previous = getattr(row, f"{column}_fingerprint")
            setattr(row, f"{column}_fingerprint", given if given != previous else None)
            changed.append(f"credentials.{name}")
        return changed

    def _stored_credentials(self, row: GatewayRow) -> dict[str, str]:
        provider = self.providers.get(row.provider)
        values = {}
        for field in provider.credentials if provider else ():
            blob = getattr(row, field.column)
            if blob is not None:
                values[field.name] = self.cipher.decrypt(
                    blob, gateway_key=row.key, column=field.column
                )
        return values

    def _column(self, provider_id: str, field_name: str) -> str:
        provider = self.providers[provider_id]
        return next(f.column for f in provider.credentials if f.name == field_name)

    def _bump(self, row: GatewayRow) -> None:
        row.version += 1
        row.updated_at = now_utc()
        row.updated_by = self.context.actor
        self.session.flush()

    def _audit(
        self,
        action: str,
        key: str,
        fields: list[str],
        details: Mapping[str, Any] | None = None,
    ) -> None:
        audit.append(
            self.session,
            self.context,
            action,
            key,
            fields=fields,
            details=details,
            changeset_id=self.changeset_id,
        )
