"""A provider's credential check as its schema declares it (`x-gwctl-verify`): the one
read-only request that proves credentials are accepted, and how to read the answer.

Pure data and pure functions, no I/O: `parse_verify_spec` checks the block when the schema
is loaded, `VerifySpec.request_for` fills its templates with an account's credentials, and
`VerifySpec.judge` reads a response's status and body into a verdict. A verdict's reason
comes from the schema or from this module, never from the response: a provider's body could
echo a credential.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator

Verdict = Literal["verified", "rejected", "suspended", "unreachable"]
ANSWER_VERDICTS = ("verified", "rejected", "suspended")
_DEFAULT_REASONS: Mapping[str, str] = {
    "verified": "credentials accepted",
    "rejected": "credentials refused",
    "suspended": "account suspended",
}
# Loopback hosts may be served over plain HTTP (a sandbox or a test server on this machine);
# everywhere else credentials travel only over TLS.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_STATUSES = {
    "oneOf": [
        {"type": "integer", "minimum": 100, "maximum": 599},
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "integer", "minimum": 100, "maximum": 599},
        },
    ]
}
META_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["base_url", "request", "outcomes"],
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "documentation": {"type": "string"},
        "base_url": {"type": "string", "pattern": "^https://[^/?#{}]+$"},
        "request": {
            "type": "object",
            "required": ["method", "path"],
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["GET", "POST"]},
                "path": {"type": "string", "pattern": "^/"},
                "headers": _STRING_MAP,
                "query": _STRING_MAP,
                "form": _STRING_MAP,
                "basic_auth": {
                    "type": "object",
                    "required": ["username", "password"],
                    "additionalProperties": False,
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                },
            },
        },
        "outcomes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["status", "verdict"],
                "additionalProperties": False,
                "properties": {
                    "status": _STATUSES,
                    "json": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    "body_matches": {"type": "string"},
                    "verdict": {"enum": list(ANSWER_VERDICTS)},
                    "reason": {"type": "string", "maxLength": 120},
                },
            },
        },
    },
}


class VerifySpecError(ValueError):
    """An `x-gwctl-verify` block that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """One filled-in request. It holds credentials: its repr shows only method and URL
    without the query, and nothing logs it."""

    method: str
    url: str = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    query: Mapping[str, str] = field(default_factory=dict, repr=False)
    form: Mapping[str, str] = field(default_factory=dict, repr=False)
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True, slots=True)
class Outcome:
    statuses: frozenset[int]
    verdict: Verdict
    reason: str
    json: Mapping[str, frozenset[str]] = field(default_factory=dict)
    body_pattern: re.Pattern[str] | None = None

    def matches(self, status: int, body: _Body) -> bool:
        if status not in self.statuses:
            return False
        if self.body_pattern is not None and not self.body_pattern.search(body.text):
            return False
        return all(body.json_value(path) in accepted for path, accepted in self.json.items())


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reason: str


@dataclass(frozen=True, slots=True)
class VerifySpec:
    """A provider's `x-gwctl-verify` block, checked."""

    base_url: str
    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    form: Mapping[str, str]
    basic_auth: tuple[str, str] | None
    outcomes: tuple[Outcome, ...]

    def request_for(
        self, credentials: Mapping[str, str], base_url: str | None = None
    ) -> ProbeRequest:
        """The request for these credentials. Values fill `{field}` placeholders; in the
        path they are percent-encoded, so no value can change which resource is asked."""
        base = (base_url or self.base_url).rstrip("/")
        path = _fill(self.path, credentials, lambda value: quote(value, safe=""))
        return ProbeRequest(
            method=self.method,
            url=base + path,
            headers={name: _fill(value, credentials) for name, value in self.headers.items()},
            query={name: _fill(value, credentials) for name, value in self.query.items()},
            form={name: _fill(value, credentials) for name, value in self.form.items()},
            basic_auth=(
                (_fill(self.basic_auth[0], credentials), _fill(self.basic_auth[1], credentials))
                if self.basic_auth
                else None
            ),
        )

    def judge(self, status: int, body: bytes) -> Judgement:
        """The first declared outcome the answer matches; else what the status says (a
        server error, or an answer the schema does not know: both mean "not proven")."""
        parsed = _Body(body)
        for outcome in self.outcomes:
            if outcome.matches(status, parsed):
                return Judgement(outcome.verdict, outcome.reason)
        if status >= 500:
            return Judgement("unreachable", f"provider error (HTTP {status})")
        return Judgement("unreachable", f"unexpected answer (HTTP {status})")


class _Body:
    """A response body read as text and, when asked, as JSON (parsed once)."""

    def __init__(self, raw: bytes) -> None:
        self.text = raw.decode("utf-8", "replace")
        self._json: Any = None
        self._parsed = False

    def json_value(self, dotted: str) -> str | None:
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.text)
            except ValueError:
                self._json = None
        node = self._json
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return str(node) if isinstance(node, str | int | float | bool) else None


def parse_verify_spec(block: Any, credential_names: frozenset[str], where: str) -> VerifySpec:
    """Check an `x-gwctl-verify` block against the meta-schema and the credential fields
    its placeholders may name; VerifySpecError names `where` and the first problem."""
    error = next(iter(Draft202012Validator(META_SCHEMA).iter_errors(block)), None)
    if error is not None:
        pointer = "/".join(str(part) for part in error.absolute_path)
        raise VerifySpecError(f"{where}: x-gwctl-verify/{pointer}: {error.message}")
    request = block["request"]
    templates = [request["path"], *_template_values(request)]
    for template in templates:
        for name in _placeholders(template):
            if name not in credential_names:
                known = ", ".join(sorted(credential_names))
                raise VerifySpecError(
                    f"{where}: x-gwctl-verify: unknown placeholder '{{{name}}}' in "
                    f"{template!r}; use a required credential field ({known})"
                )
    auth = request.get("basic_auth")
    return VerifySpec(
        base_url=block["base_url"],
        method=request["method"],
        path=request["path"],
        headers=dict(request.get("headers", {})),
        query=dict(request.get("query", {})),
        form=dict(request.get("form", {})),
        basic_auth=(auth["username"], auth["password"]) if auth else None,
        outcomes=tuple(_outcome(item, where) for item in block["outcomes"]),
    )


def check_base_url(url: str) -> str | None:
    """Why `url` cannot be a verification base URL (None if it can): https, or http on a
    loopback address only; no query, fragment, placeholder or user name and password. The
    reason never quotes the URL: a URL can carry a password."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "https://[::1", a netloc that NFKC turns into other punctuation
        return "must be an https:// URL"
    if parts.scheme not in ("https", "http") or not hostname:
        return "must be an https:// URL"
    if parts.scheme == "http" and hostname not in LOOPBACK_HOSTS:
        return "must be https:// (plain http only for a server on this machine)"
    if parts.query or parts.fragment or "{" in url:
        return "must be a plain base URL, without query, fragment or placeholders"
    if parts.username or parts.password:  # credentials belong in the secret files
        return "must not carry a user name or password"
    return None


def _outcome(item: Mapping[str, Any], where: str) -> Outcome:
    status = item["status"]
    pattern = item.get("body_matches")
    try:
        compiled = re.compile(pattern) if pattern is not None else None
    except re.error as exc:
        raise VerifySpecError(f"{where}: x-gwctl-verify: body_matches {pattern!r}: {exc}") from None
    return Outcome(
        statuses=frozenset(status if isinstance(status, list) else [status]),
        verdict=item["verdict"],
        reason=item.get("reason") or _DEFAULT_REASONS[item["verdict"]],
        json={path: frozenset(values) for path, values in item.get("json", {}).items()},
        body_pattern=compiled,
    )


def _template_values(request: Mapping[str, Any]) -> list[str]:
    values = [
        value
        for section in ("headers", "query", "form")
        for value in request.get(section, {}).values()
    ]
    auth = request.get("basic_auth")
    return values + ([auth["username"], auth["password"]] if auth else [])


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _fill(
    template: str, credentials: Mapping[str, str], encode: Callable[[str], str] | None = None
) -> str:
    """`template` with each `{field}` replaced by that credential (encoded if asked)."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            value = credentials[name]
            out.append(encode(value) if encode else value)
    return "".join(out)
