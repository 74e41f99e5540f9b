"""One rule for when two Gateway Names are the same name, for the CLI and the store; and the
account key a name suggests on the web page."""

from __future__ import annotations

import pytest

from gwctl.core.names import key_from_name, name_identity
from gwctl.store.validation import normalize_name


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Infobip One", "infobip  ONE"),
        ("Infobip One", " Infobip\tOne "),
        ("Infobip I", "Ｉｎｆｏｂｉｐ I"),  # full-width letters
        ("Straße", "STRASSE"),
    ],
)
def test_names_that_differ_only_in_case_spacing_or_form_are_the_same(one: str, other: str) -> None:
    assert name_identity(one) == name_identity(other)


def test_different_names_stay_different() -> None:
    assert name_identity("Infobip I") != name_identity("Infobip II")


def test_the_store_uses_the_same_rule() -> None:
    assert normalize_name("infobip  ONE") == name_identity("Infobip One")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Infobip I", "infobip-i"),
        ("Twilio US (marketing)", "twilio-us-marketing"),
        ("Ünïcode Çlickatell", "unicode-clickatell"),
        ("  --Infobip--  ", "infobip"),
        ("x" * 62 + " y", "x" * 62),  # cut to 63 characters, never ending with '-'
        ("日本", ""),  # no letter a key can hold: the person types one
    ],
)
def test_a_gateway_name_suggests_its_account_key(name: str, key: str) -> None:
    assert key_from_name(name) == key
