"""Which characters a Gateway Name or Description may hold (gwctl.core.text_rules): the one
rule behind `gwctl validate`, the store's API and the page, naming what it refuses."""

from __future__ import annotations

import pytest

from gwctl.core.providers import load_providers
from gwctl.core.text_rules import MAX_COMBINING_MARKS, text_problem
from tests.support.accounts import account


@pytest.mark.parametrize(
    "text",
    [
        "Infobip I",
        "Ｉｎｆｏｂｉｐ",  # full-width letters: the same name, not a hidden one
        "Tiếng Việt",  # Vietnamese: two marks on one letter
        "क्षत्रिय",  # Devanagari conjuncts and vowel signs
        "שָׁלוֹם",  # Hebrew with points
        "Zürich 🇨🇭",
    ],
)
def test_real_names_in_many_scripts_are_accepted(text: str) -> None:
    assert text_problem(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Infobip \u202eI", "has U+202E RIGHT-TO-LEFT OVERRIDE at position 9"),
        ("\u202aInfobip", "has U+202A LEFT-TO-RIGHT EMBEDDING at position 1"),
        ("Info\u2066bip", "has U+2066 LEFT-TO-RIGHT ISOLATE at position 5"),
        ("Info\u2069bip", "has U+2069 POP DIRECTIONAL ISOLATE at position 5"),
        ("Info\u200bbip", "has U+200B ZERO WIDTH SPACE at position 5"),
        ("Info\u200dbip", "has U+200D ZERO WIDTH JOINER at position 5"),
        ("\ufeffInfobip", "has U+FEFF ZERO WIDTH NO-BREAK SPACE at position 1"),
        ("Info\u00adbip", "has U+00AD SOFT HYPHEN at position 5"),
        ("Info\x1bbip", "has U+001B at position 5"),
        ("Info\nbip", "has U+000A LINE FEED at position 5"),
        ("Info\u2028bip", "has U+2028 LINE SEPARATOR at position 5"),
        ("Info\ue000bip", "has U+E000 at position 5"),  # private use
    ],
)
def test_control_format_and_direction_characters_are_refused_by_name(
    text: str, message: str
) -> None:
    problem = text_problem(text)
    assert problem is not None
    assert problem.startswith(message + ": ")
    assert problem.endswith("are not allowed; remove it")


def test_an_e_with_63_combining_marks_is_refused_saying_the_cap() -> None:
    assert text_problem("e" + "\u0301" * 63) == (
        f"has more than {MAX_COMBINING_MARKS} combining marks on the character at position 1: "
        f"at most {MAX_COMBINING_MARKS} accents or other marks may stack on one character"
    )


def test_the_cap_of_combining_marks_is_inclusive() -> None:
    assert text_problem("xe" + "\u0301" * MAX_COMBINING_MARKS) is None
    assert "position 2" in str(text_problem("xe" + "\u0301" * (MAX_COMBINING_MARKS + 1)))


def test_a_multiline_text_may_hold_line_breaks_and_tabs_only() -> None:
    assert text_problem("EU\nmarketing\tteam", multiline=True) is None
    assert "U+000D CARRIAGE RETURN" in str(text_problem("EU\r\nmarketing", multiline=True))
    assert "U+202E" in str(text_problem("EU\n\u202emarketing", multiline=True))


@pytest.mark.parametrize("provider", ["infobip", "clickatell", "twilio"])
def test_every_provider_applies_the_rule_to_the_name_and_the_description(provider: str) -> None:
    data = account(provider, name="Info\u200bbip", description="EU\u202e")
    problems = load_providers()[provider].validate_account(data)
    assert [(v.pointer, v.code) for v in problems] == [("/name", "text"), ("/description", "text")]
    assert problems[0].message.startswith("'name' (Gateway Name) has U+200B ZERO WIDTH SPACE")
