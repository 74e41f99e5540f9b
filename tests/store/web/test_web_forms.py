"""Form generation from the provider schemas, submission parsing and CSRF helpers (no browser)."""

from __future__ import annotations

import base64

import pytest

from gwctl.core.providers import load_providers
from gwctl.store.web import forms, submission
from gwctl.store.web.forms import FieldError
from gwctl.store.web.security import new_token, tokens_match
from tests.support.samples import png

PNG = png()


def by_name(fields: list[forms.FormField]) -> dict[str, forms.FormField]:
    return {f.name: f for f in fields}


def test_infobip_form_is_generated_from_its_schema() -> None:
    provider = load_providers()["infobip"]
    fields = forms.build_fields(provider, "create")
    names = [f.name for f in fields]
    assert names == [
        "name",
        "key",
        "credentials.api_key",
        "credentials.secret_key",
        "status",
        "sending_pattern",
        "fallback_sender_id",
        "logo",
        "description",
        "signup_link",
    ]
    f = by_name(fields)
    assert f["name"].label == "Gateway Name"
    assert f["name"].required
    assert f["name"].maxlength == 64
    assert f["name"].help.startswith("Mandatory.")
    assert f["credentials.api_key"].widget == "password"
    assert f["credentials.api_key"].secret
    assert f["credentials.api_key"].required
    assert f["credentials.api_key"].label == "API Key"
    assert f["status"].widget == "select"
    assert f["status"].options == ("active", "inactive")
    assert f["sending_pattern"].options == ("batch", "loop")
    assert f["description"].widget == "textarea"
    assert not f["description"].required
    assert f["signup_link"].widget == "url"
    assert f["logo"].widget == "file"
    # gwctl-only fields and the provider const are not offered on the web page
    assert "protect" not in names
    assert "moved_from" not in names
    assert "provider" not in names


def test_twilio_offers_only_loop_and_shows_sid_in_clear() -> None:
    fields = by_name(forms.build_fields(load_providers()["twilio"], "create"))
    assert fields["sending_pattern"].widget == "select"
    assert fields["sending_pattern"].options == ("loop",)
    assert fields["credentials.account_sid"].widget == "text"
    assert not fields["credentials.account_sid"].secret
    assert fields["credentials.auth_token"].widget == "password"


def test_clickatell_has_username_and_password() -> None:
    fields = by_name(forms.build_fields(load_providers()["clickatell"], "create"))
    assert fields["credentials.username"].widget == "text"
    assert fields["credentials.password"].widget == "password"


def test_edit_form_has_no_key_and_secrets_are_optional_and_empty() -> None:
    provider = load_providers()["twilio"]
    gateway = {
        "key": "twilio-us",
        "provider": "twilio",
        "name": "Twilio US",
        "status": "active",
        "sending_pattern": "loop",
        "fallback_sender_id": "SMSPLUS",
        "description": None,
        "signup_link": None,
        "credentials": {
            "account_sid": {
                "column": "api_key",
                "secret": False,
                "mask": "••••beef",
                "value": "AC" + "0" * 28 + "beef",
            },
            "auth_token": {"column": "secret_key", "secret": True, "mask": "••••cafe"},
        },
    }
    state = forms.edit_form(provider, gateway)
    f = by_name(state.fields)
    assert "key" not in f
    assert not f["credentials.auth_token"].required
    assert "Leave empty to keep the current value." in f["credentials.auth_token"].help
    assert state.value("credentials.account_sid") == "AC" + "0" * 28 + "beef"
    assert state.value("credentials.auth_token") == ""
    assert state.value("description") == ""
    assert state.value("name") == "Twilio US"


def test_parse_create_submission() -> None:
    state = forms.new_form(load_providers()["infobip"])
    write, errors = submission.parse_submission(
        state,
        {
            "key": " infobip-primary ",
            "name": "Infobip I ",
            "credentials.api_key": "key-1234567890",
            "credentials.secret_key": " spaced secret ",
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
            "description": "",
            "signup_link": "",
            "protect": "true",  # not a field of the web form: ignored
        },
        submission.Upload(PNG, "logo.png"),
    )
    assert errors == []
    assert write == {
        "provider": "infobip",
        "key": "infobip-primary",
        "name": "Infobip I",
        "credentials": {"api_key": "key-1234567890", "secret_key": " spaced secret "},
        "status": "active",
        "sending_pattern": "batch",
        "fallback_sender_id": "SMSPLUS",
        "description": None,
        "signup_link": None,
        "managed_by": "manual",
        "logo": {"content_type": "image/png", "data": base64.b64encode(PNG).decode()},
    }
    # what is shown again: never a secret
    assert "credentials.api_key" not in state.values
    assert "credentials.secret_key" not in state.values
    assert state.values["name"] == "Infobip I"


def test_parse_edit_submission_keeps_empty_secrets_and_can_remove_logo() -> None:
    provider = load_providers()["infobip"]
    state = forms.edit_form(provider, {"key": "k", "provider": "infobip", "credentials": {}})
    write, errors = submission.parse_submission(
        state,
        {
            "name": "Infobip I",
            "credentials.api_key": "",
            "credentials.secret_key": "new-secret-1",
            "status": "inactive",
            "sending_pattern": "loop",
            "fallback_sender_id": "X",
            "logo_remove": "1",
        },
        None,
    )
    assert errors == []
    assert write["credentials"] == {"secret_key": "new-secret-1"}
    assert write["logo"] is None
    assert "key" not in write
    assert "managed_by" not in write


@pytest.mark.parametrize(
    ("key", "data", "pointers"),
    [
        ("Bad_Key", PNG, ["/key"]),
        ("-x", PNG, ["/key"]),
        ("ok", b"GIF89a" + b"\x00" * 10, ["/logo"]),
        ("ok", PNG + b"\x00" * (256 * 1024), ["/logo"]),
        ("a" * 63, PNG, []),
        ("a" * 64, PNG, ["/key"]),
    ],
)
def test_local_checks(key: str, data: bytes, pointers: list[str]) -> None:
    state = forms.new_form(load_providers()["clickatell"])
    _write, errors = submission.parse_submission(state, {"key": key}, submission.Upload(data, "x"))
    assert [e.pointer for e in errors] == pointers


def test_errors_land_next_to_their_fields() -> None:
    state = forms.new_form(load_providers()["twilio"])
    state.add_errors(
        [
            FieldError("/sending_pattern", "'sending_pattern' (Sending Pattern) must be 'loop'"),
            FieldError("/credentials/auth_token", "must be 32 hex"),
            FieldError("/logo/data", "too big"),
            FieldError("/operations/0", "something else"),
        ]
    )
    # next to its field, a message does not repeat the field's name
    assert state.errors_for("sending_pattern") == ["Must be 'loop'"]
    assert state.errors_for("credentials.auth_token") == ["Must be 32 hex"]
    assert state.errors_for("logo") == ["Too big"]
    assert state.general_errors == ["something else"]


def test_every_provider_schema_yields_a_form() -> None:
    for provider in load_providers().values():
        fields = forms.build_fields(provider, "create")
        columns = {c.name for c in provider.credentials}
        assert {f.name.removeprefix("credentials.") for f in fields if f.credential} == columns
        assert all(f.label and f.help for f in fields)


def test_csrf_tokens() -> None:
    token = new_token()
    assert len(token) >= 40
    assert new_token() != token
    assert tokens_match(token, token)
    assert not tokens_match(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not tokens_match(token, "")
    assert not tokens_match(token, None)
    assert not tokens_match("", "")
    assert not tokens_match(None, None)
    assert not tokens_match(token, "é" + token)


def test_schema_errors_complete_what_the_store_reported() -> None:
    state = forms.new_form(load_providers()["twilio"])
    write, _ = submission.parse_submission(
        state,
        {
            "key": "twilio-us",
            "name": "Twilio US",
            "credentials.account_sid": "not-a-sid",
            "credentials.auth_token": "",
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
        },
        None,
    )
    found = forms.schema_errors(state, write)
    assert sorted(e.pointer for e in found) == [
        "/credentials/account_sid",
        "/credentials/auth_token",
        "/sending_pattern",
    ]
    store_said = [FieldError("/sending_pattern", "from the store")]
    merged = forms.merge_errors(store_said, found)
    assert merged[0].message == "from the store"
    assert [e.pointer for e in merged].count("/sending_pattern") == 1
    assert len(merged) == 3


def test_schema_errors_on_edit_do_not_require_kept_credentials() -> None:
    provider = load_providers()["infobip"]
    state = forms.edit_form(provider, {"key": "k", "provider": "infobip", "credentials": {}})
    write, _ = submission.parse_submission(
        state,
        {
            "name": "Infobip I",
            "status": "active",
            "sending_pattern": "loop",
            "fallback_sender_id": "SMSPLUS",
        },
        None,
    )
    assert forms.schema_errors(state, write) == []
