"""One rule for when two Gateway Names are the same name, for the CLI and the store."""

from __future__ import annotations

import pytest

from gwctl.core.names import name_identity
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
