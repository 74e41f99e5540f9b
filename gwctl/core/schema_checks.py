"""Validation against a provider's schema: ECMA-262 patterns, and gwctl's own messages.

jsonschema's messages quote the offending value (it may be a credential) and speak of
keywords; ours say which field is wrong and what is expected, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator

if TYPE_CHECKING:
    from gwctl.core.providers import Provider

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Violation:
    """One reason why data does not match a schema, located by its path in the data."""

    path: JsonPath
    message: str
    code: str = "invalid"

    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON pointer of the offending value."""
        return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in self.path)


def schema_violations(provider: Provider, validator: Validator, data: Any) -> list[Violation]:
    """Every reason why `data` fails `validator`, in gwctl's words, once each, sorted."""
    found = _flatten(_violation(provider, error) for error in validator.iter_errors(data))
    # A value of the wrong type also fails its enum or pattern; saying both (a list "must
    # be one of: active, inactive") only confuses: the type is what to fix first.
    mistyped = {v.path for v in found if v.code == "type"}
    found = [v for v in found if v.code == "type" or v.path not in mistyped]
    # Several keywords can fail for one value with the same message (minLength and pattern
    # of an empty name): report it once.
    unique = {(v.path, v.message): v for v in found}
    return sorted(unique.values(), key=lambda v: (tuple(map(str, v.path)), v.message))


def _ecma_regex(pattern: str) -> str:
    r"""A JSON Schema pattern (ECMA-262) as a Python regex with the same meaning.

    In ECMA-262 `$` matches only at the end of the string; Python's `$` also matches before
    a final newline, so `^[0-9]{1,15}$` would accept "123\n" (a YAML block scalar). Each `$`
    outside a character class becomes `\Z`."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
    return "".join(out)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_ecma_regex(pattern))


def _pattern(
    validator: Validator, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")  # never quote the value


# Draft 2020-12 with ECMA-262 semantics for `pattern`, as editors and the web form apply it.
SchemaValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}
)


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    for json_type, python_type in (
        ("string", str),
        ("integer", int),
        ("number", float),
        ("object", dict),
        ("array", list),
    ):
        if isinstance(value, python_type):
            return _TYPE_NAMES[json_type]
    return "empty" if value is None else type(value).__name__


def _flatten(items: Iterable[Violation | list[Violation]]) -> list[Violation]:
    flat: list[Violation] = []
    for item in items:
        flat.extend(item if isinstance(item, list) else [item])
    return flat


def _violation(provider: Provider, error: ValidationError) -> Violation | list[Violation]:
    """Turn a jsonschema error into our message: what is expected, never the value itself."""
    path: JsonPath = tuple(error.absolute_path)
    keyword = str(error.validator)
    instance: Any = error.instance
    expected: Any = error.validator_value
    subschema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "additionalProperties":
        allowed = ", ".join(sorted(subschema.get("properties", {})))
        extras = sorted(set(instance) - set(subschema.get("properties", {})))
        return [_unknown_field(provider, path + (extra,), str(extra), allowed) for extra in extras]
    if keyword == "required":
        missing = [name for name in expected if name not in instance]
        return [
            Violation(
                path + (name,),
                f"missing required field '{name}' ({provider.field_title(name)})",
                "missing",
            )
            for name in missing
        ]
    field = str(path[-1]) if path else "document"
    subject = f"'{field}' ({provider.field_title(field)})" if path else "the document"
    if keyword == "type":
        wanted = _TYPE_NAMES.get(str(expected), str(expected))
        hint = "; put the value in quotes" if expected == "string" else ""
        return Violation(
            path, f"{subject} must be {wanted}, not {_type_name(instance)}{hint}", "type"
        )
    example = provider.field_example(field) if path else None
    suffix = f", e.g. '{example}'" if example else ""
    custom = subschema.get("x-gwctl-message")
    if custom:
        return Violation(path, f"{subject} {custom}{suffix}", keyword)
    if keyword == "enum":
        options = ", ".join(str(option) for option in expected)
        return Violation(path, f"{subject} must be one of: {options}", "enum")
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return Violation(
            path, f"{subject} must be {bound} {expected} characters long{suffix}", keyword
        )
    return Violation(path, f"{subject} is not valid ({keyword} {expected})", keyword)


def _unknown_field(provider: Provider, path: JsonPath, name: str, allowed: str) -> Violation:
    if name in provider.credential_names:
        return Violation(
            path,
            f"credential '{name}' must not be written here: move it to the account's "
            f"sops-encrypted .secret.yaml file (and rotate it if it was ever committed)",
            "credential_in_account",
        )
    return Violation(path, f"unknown field '{name}'; allowed fields: {allowed}", "unknown_field")
