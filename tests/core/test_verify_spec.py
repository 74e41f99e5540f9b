"""`x-gwctl-verify`: a provider's check read from its schema, filled in, and judged; bad
blocks are refused when the schemas load, naming the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from gwctl.core import providers as registry
from gwctl.core.providers import SchemaDirError, load_providers
from gwctl.core.verify_probe import retry_after_seconds
from gwctl.core.verify_spec import VerifySpecError, check_base_url, parse_verify_spec
from tests.support.paths import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "schema"
FIELDS = frozenset({"account_sid", "auth_token"})


def block(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "base_url": "https://api.example.com",
        "request": {"method": "GET", "path": "/accounts/{account_sid}"},
        "outcomes": [{"status": 200, "verdict": "verified"}],
    }
    spec.update(changes)
    return spec


def test_a_value_in_the_path_is_percent_encoded_so_it_cannot_change_the_resource() -> None:
    spec = parse_verify_spec(block(), FIELDS, "x.schema.json")

    request = spec.request_for({"account_sid": "../../admin?x=1", "auth_token": "t"})

    assert request.url == "https://api.example.com/accounts/..%2F..%2Fadmin%3Fx%3D1"


def test_a_base_url_override_replaces_the_schemas() -> None:
    spec = parse_verify_spec(block(), FIELDS, "x.schema.json")

    request = spec.request_for({"account_sid": "AC1", "auth_token": "t"}, "http://127.0.0.1:9/")

    assert request.url == "http://127.0.0.1:9/accounts/AC1"


def test_a_request_never_shows_its_credentials_in_its_repr() -> None:
    spec = parse_verify_spec(
        block(request={"method": "GET", "path": "/a", "headers": {"X-Key": "{auth_token}"}}),
        FIELDS,
        "x.schema.json",
    )

    request = spec.request_for({"account_sid": "AC1", "auth_token": "hunter2-token"})

    assert "hunter2-token" not in repr(request)


def test_outcomes_are_matched_in_order_on_status_json_and_body() -> None:
    spec = parse_verify_spec(
        block(
            outcomes=[
                {"status": 200, "json": {"account.state": ["frozen"]}, "verdict": "suspended"},
                {"status": [200, 201], "body_matches": "^OK", "verdict": "verified"},
            ]
        ),
        FIELDS,
        "x.schema.json",
    )

    frozen = spec.judge(200, json.dumps({"account": {"state": "frozen"}}).encode())
    fine = spec.judge(201, b"OK: session")
    unknown = spec.judge(200, b"<html>maintenance</html>")

    assert (frozen.verdict, frozen.reason) == ("suspended", "account suspended")
    assert (fine.verdict, fine.reason) == ("verified", "credentials accepted")
    assert (unknown.verdict, unknown.reason) == ("unreachable", "unexpected answer (HTTP 200)")


def test_an_undeclared_server_error_is_unreachable() -> None:
    spec = parse_verify_spec(block(), FIELDS, "x.schema.json")

    assert spec.judge(503, b"").reason == "provider error (HTTP 503)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"request": {"method": "GET", "path": "/a/{api_key}"}},
            "x.schema.json: x-gwctl-verify: unknown placeholder '{api_key}' in '/a/{api_key}'; "
            "use a required credential field (account_sid, auth_token)",
        ),
        (
            {"base_url": "http://api.example.com"},
            "x.schema.json: x-gwctl-verify/base_url: 'http://api.example.com' does not match",
        ),
        (
            {"outcomes": [{"status": 200, "verdict": "maybe"}]},
            "x.schema.json: x-gwctl-verify/outcomes/0/verdict: 'maybe' is not one of",
        ),
        (
            {"outcomes": [{"status": 200, "body_matches": "(", "verdict": "verified"}]},
            "x.schema.json: x-gwctl-verify: body_matches '(': missing ), unterminated subpattern",
        ),
    ],
)
def test_a_broken_block_is_refused_with_where_and_why(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(VerifySpecError) as refused:
        parse_verify_spec(block(**changes), FIELDS, "x.schema.json")

    assert str(refused.value).startswith(message)


@pytest.fixture
def schema_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "schema"
    shutil.copytree(SCHEMA_DIR, directory)
    monkeypatch.setenv("GWCTL_SCHEMA_DIR", str(directory))
    load_providers.cache_clear()
    yield directory
    load_providers.cache_clear()
    registry._common_defs.cache_clear()


def test_a_schema_file_with_a_broken_block_is_an_error_naming_it(schema_copy: Path) -> None:
    path = schema_copy / "twilio.schema.json"
    schema = json.loads(path.read_text())
    schema["x-gwctl-verify"]["request"]["path"] = "/Accounts/{password}.json"
    path.write_text(json.dumps(schema))

    with pytest.raises(SchemaDirError, match=r"twilio\.schema\.json: x-gwctl-verify: unknown"):
        load_providers()


def test_every_shipped_provider_declares_its_check() -> None:
    assert {pid: p.verify is not None for pid, p in load_providers().items()} == {
        "clickatell": True,
        "infobip": True,
        "twilio": True,
    }


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://xyz.api.infobip.com", None),
        ("http://127.0.0.1:8089", None),
        ("http://localhost", None),
        (
            "http://api.infobip.com",
            "must be https:// (plain http only for a server on this machine)",
        ),
        ("ftp://example.com", "must be an https:// URL"),
        ("https://example.com/?region=eu", "must be a plain base URL, without query, fragment"),
        ("https://user:pw@example.com", "must not carry a user name or password"),
    ],
)
def test_base_urls_are_https_except_on_this_machine(url: str, why: str | None) -> None:
    reason = check_base_url(url)

    assert reason == why if why is None else reason is not None and reason.startswith(why)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)

    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(later, now=now.timestamp()) == 90.0
    assert retry_after_seconds("soon") == 1.0
    assert retry_after_seconds(None) == 1.0
