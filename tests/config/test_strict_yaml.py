"""The strict YAML rules across a whole file: every refused feature is reported in one run,
each named as what it is, and values YAML 1.1 and 1.2 read differently are refused in
account files, secret files and gwctl.yaml alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from gwctl.config.settings import load_settings
from gwctl.config.strict_yaml import load_bytes
from gwctl.core.problems import ConfigError
from tests.support.accounts import account
from tests.support.repos import ConfigDirFactory


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_bytes(text.encode(), "x.yaml")
    return [str(problem) for problem in refused.value.problems]


def test_every_tag_of_a_file_is_reported() -> None:
    found = problems("name: !vault a\nstatus: !!str active\nlogo: !file x.png\n")

    assert [line.split(": ", 1)[0] for line in found] == ["x.yaml:1:7", "x.yaml:2:9", "x.yaml:3:7"]
    assert all("explicit tags" in line for line in found)


def test_a_billion_laughs_bomb_is_refused_with_each_anchor_and_alias_named() -> None:
    found = problems('lol: &a ["lol", "lol"]\nlol2: &b [*a, *a]\nlol3: [*b, *b]\n')

    assert sum("anchors (&name)" in line for line in found) == 2
    assert sum("aliases (*name)" in line for line in found) == 4


def test_a_merge_key_is_named_as_such() -> None:
    found = problems("base: {status: active}\nother:\n  <<: {status: inactive}\n")

    assert found == [
        "x.yaml:3:3: YAML merge keys (<<) are not supported: write the fields out in this mapping"
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("yes", "YAML 1.1 reads it as true or false, YAML 1.2 as text"),
        ("Off", "YAML 1.1 reads it as true or false, YAML 1.2 as text"),
        ("y", "YAML 1.1 reads it as true or false, YAML 1.2 as text"),
        ("True", "booleans are written true or false"),
        ("0123", "YAML 1.1 reads a leading zero as octal (0123 is 83), YAML 1.2 as decimal"),
        ("1e5", "YAML 1.2 reads it as a number, YAML 1.1 as text"),
        ("1:30", "YAML 1.1 reads it as a base-60 number (1:30 is 90), YAML 1.2 as text"),
        ("1_000", "YAML 1.1 ignores the underscores of a number, YAML 1.2 reads it as text"),
        ("0o17", "binary and octal prefixes mean a number in one YAML version"),
    ],
)
def test_a_value_the_yaml_versions_read_differently_must_be_quoted(value: str, why: str) -> None:
    [found] = problems(f"fallback_sender_id: {value}\n")

    assert found.startswith(f"x.yaml:1:21: '{value}' is ambiguous: {why}")
    assert f"('{value}')" in found


@pytest.mark.parametrize("value", ["'yes'", '"0123"', "true", "false", "1.0e+5", "SMSPLUS", "12"])
def test_quoted_and_unambiguous_values_are_read(value: str) -> None:
    document = load_bytes(f"v: {value}\n".encode(), "x.yaml")

    assert "v" in document.data


def test_an_account_file_with_protect_yes_is_refused_at_validate(
    config_dir: ConfigDirFactory,
) -> None:
    repo = config_dir({"acct": account()})
    repo.write_account("acct", {**account(), "protect": "PLACEHOLDER"})
    text = repo.account_path("acct").read_text().replace("PLACEHOLDER", "yes")
    repo.write_account("acct", text)

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert "gateways.d/acct.yaml:6:10: 'yes' is ambiguous" in outcome.stdout


def test_gwctl_yaml_is_held_to_the_same_rule(tmp_path: Path) -> None:
    (tmp_path / "gwctl.yaml").write_text("prune: no\n", encoding="utf-8")

    with pytest.raises(ConfigError) as refused:
        load_settings(tmp_path)

    assert str(refused.value.problems[0]).startswith("gwctl.yaml:1:8: 'no' is ambiguous")
