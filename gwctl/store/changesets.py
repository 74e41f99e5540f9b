"""Changesets: many gateway operations applied in one transaction, all or nothing.

`parse_changeset` checks the body: its operations, and the images they share (`logos`, by
SHA-256: a logo that 5,000 accounts show travels once, and a write names it with
`"logo": {"sha256": ...}`).
`apply_operations` runs the operations in order on a GatewayWriter; the first failing one
raises its error with `"operation": <index>` in every detail and JSON pointers prefixed with
`/operations/<i>` (and `/gateway` for problems of the gateway write), and the caller's
transaction rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from gwctl.core.schema_checks import Violation
from gwctl.store.errors import ApiError, ValidationFailed
from gwctl.store.gateways import GatewayWriter
from gwctl.store.models import ChangesetResult, ChangesetResultItem
from gwctl.store.validation import CheckedLogo, check_key, parse_logo_value, unstorable_text

MAX_OPERATIONS: Final = 10_000
_BODY_FIELDS: Final = frozenset({"operations", "logos"})
_FIELDS: Final[Mapping[str, tuple[frozenset[str], frozenset[str]]]] = {
    # op: (required fields, optional fields) besides "op"
    "create": (frozenset({"gateway"}), frozenset()),
    "update": (frozenset({"key", "if_version", "gateway"}), frozenset()),
    "rename": (frozenset({"key", "new_key", "if_version"}), frozenset({"gateway"})),
    "delete": (frozenset({"key", "if_version"}), frozenset()),
}


@dataclass(frozen=True)
class Changeset:
    operations: list[Any]
    logos: Mapping[str, CheckedLogo]  # by SHA-256 (hex) of the image


def parse_changeset(body: Any) -> Changeset:
    """A changeset body `{"operations": [...], "logos": {...}}` checked, or ValidationFailed."""
    unstorable = unstorable_text(body)
    if unstorable:
        raise ValidationFailed.from_violations(unstorable)
    if not isinstance(body, dict) or "operations" not in body or set(body) - _BODY_FIELDS:
        raise _invalid(
            Violation(
                (),
                'the body must be {"operations": [...]} with optional '
                '"logos": {...} and nothing else',
            )
        )
    return Changeset(_operations(body["operations"]), _logos(body.get("logos", {})))


def _operations(operations: Any) -> list[Any]:
    if not isinstance(operations, list):
        raise _invalid(Violation(("operations",), "'operations' must be a list"))
    if len(operations) > MAX_OPERATIONS:
        raise _invalid(
            Violation(("operations",), f"at most {MAX_OPERATIONS} operations per changeset")
        )
    return operations


def _logos(logos: Any) -> dict[str, CheckedLogo]:
    if not isinstance(logos, dict):
        raise _invalid(
            Violation(
                ("logos",), '\'logos\' must map each image\'s SHA-256 to {"content_type", "data"}'
            )
        )
    parsed, problems = {}, []
    for digest, value in logos.items():
        logo, found = parse_logo_value(value, ("logos", digest))
        problems += found
        if logo is not None and logo.sha256 != digest:
            problems.append(
                Violation(
                    ("logos", digest),
                    "the image's SHA-256 is not its key: name each image by its hex SHA-256",
                )
            )
        elif logo is not None:
            parsed[digest] = logo
    if problems:
        raise ValidationFailed.from_violations(problems)
    return parsed


def apply_operations(
    writer: GatewayWriter, operations: list[Any], changeset_id: str
) -> ChangesetResult:
    """Apply every operation in order; raise the first failure (see module docstring)."""
    results = []
    for index, operation in enumerate(operations):
        problems = _shape_problems(operation, index)
        if problems:
            raise ValidationFailed.from_violations(problems).for_operation(index)
        try:
            results.append(_apply_one(writer, operation))
        except ApiError as error:
            raise _locate(error, index) from None
    return ChangesetResult(changeset_id=changeset_id, results=results)


def _apply_one(writer: GatewayWriter, operation: dict[str, Any]) -> ChangesetResultItem:
    kind = operation["op"]
    if kind == "create":
        row = writer.create(operation["gateway"])
        return ChangesetResultItem(op="create", key=row.key, version=row.version)
    key, if_version = operation["key"], operation["if_version"]
    if kind == "update":
        row = writer.update(key, operation["gateway"], if_version)
        return ChangesetResultItem(op="update", key=row.key, version=row.version)
    if kind == "rename":
        row = writer.rename(key, operation["new_key"], if_version, operation.get("gateway"))
        return ChangesetResultItem(op="rename", key=row.key, version=row.version)
    writer.delete(key, if_version)
    return ChangesetResultItem(op="delete", key=key, version=None)


def _shape_problems(operation: Any, index: int) -> list[Violation]:
    at: tuple[str | int, ...] = ("operations", index)
    if not isinstance(operation, dict) or operation.get("op") not in _FIELDS:
        return [Violation((*at, "op"), "'op' must be one of: create, update, rename, delete")]
    required, optional = _FIELDS[operation["op"]]
    problems = [
        Violation((*at, name), f"missing required field '{name}'", "missing")
        for name in sorted(required - set(operation))
    ]
    problems += [
        Violation((*at, name), f"unknown field '{name}' in a '{operation['op']}' operation")
        for name in sorted(set(operation) - required - optional - {"op"})
    ]
    if "key" in operation and not isinstance(operation["key"], str):
        problems.append(Violation((*at, "key"), "'key' must be a string"))
    if "new_key" in operation:
        problems += check_key(operation["new_key"], (*at, "new_key"))
    version = operation.get("if_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Violation((*at, "if_version"), "'if_version' must be a version ≥ 1"))
    return problems


def _invalid(violation: Violation) -> ValidationFailed:
    return ValidationFailed.from_violations([violation])


def _locate(error: ApiError, index: int) -> ApiError:
    """Prefix the gateway-relative pointers of an operation's error and name the operation."""
    prefix = f"/operations/{index}/gateway"
    error.details = [_prefixed(detail, prefix) for detail in error.details]
    return error.for_operation(index)


def _prefixed(detail: dict[str, Any], prefix: str) -> dict[str, Any]:
    if "pointer" not in detail:
        return detail
    return {**detail, "pointer": prefix + detail["pointer"]}
