"""gwctl.yaml read strictly: wrong types, unknown keys and an environment without a store
are errors at their line and column, at `validate` and before any command reaches a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.config.settings import load_settings
from gwctl.core.problems import ConfigError, Problem
from gwctl.remote.session import open_store
from tests.support.cli import assert_clean, invoke
from tests.support.repos import ConfigRepo


def problems_of(root: Path, text: str, environment: str | None = None) -> list[str]:
    (root / "gwctl.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(root, environment)
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('prune: "false"\n', "gwctl.yaml:1:8: must be true or false, not the text 'false'"),
        ("prune: 1\n", "gwctl.yaml:1:8: must be true or false, not int"),
        (
            "safety: {max_fraction: lots}\n",
            "gwctl.yaml:1:24: must be a number above 0 and at most 1",
        ),
        (
            "safety: {max_fraction: 1.5}\n",
            "gwctl.yaml:1:24: must be a number above 0 and at most 1",
        ),
        ("safety: {min_existing: -1}\n", "gwctl.yaml:1:24: must be a whole number, 0 or more"),
        (
            "store: {url: gateways.example.com}\n",
            "gwctl.yaml:1:14: must be the store's http(s) URL, e.g. https://gateways.example.com",
        ),
        (
            "store: {url: 'https://x.example', token_env: 'my token'}\n",
            "gwctl.yaml:1:46: must be the name of an environment variable, e.g. GWCTL_TOKEN",
        ),
        (
            "environments:\n  production: {}\n",
            "gwctl.yaml:2:15: environment 'production' names no store: add store: "
            "{url: https://...} (without one gwctl would use a throwaway embedded store)",
        ),
        (
            "environments:\n  production:\n    stor: {url: https://x.example}\n",
            "gwctl.yaml:3:5: unknown setting 'stor'; allowed: store, verify",
        ),
        ("environments: [production]\n", "gwctl.yaml:1:15: expected a mapping"),
    ],
)
def test_a_wrong_setting_is_an_error_at_its_place(tmp_path: Path, text: str, problem: str) -> None:
    assert problem in problems_of(tmp_path, text)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    found = problems_of(tmp_path, 'prune: "no"\nsafety: {min_existing: x}\ncolour: true\n')

    assert [line.split(": ", 1)[0] for line in found] == [
        "gwctl.yaml:1:8",
        "gwctl.yaml:2:24",
        "gwctl.yaml:3:1",
    ]


def test_an_environment_without_a_store_is_refused_even_when_another_is_chosen(
    tmp_path: Path,
) -> None:
    text = "environments:\n  staging: {store: {url: https://staging.example}}\n  production: {}\n"

    assert any("'production' names no store" in p for p in problems_of(tmp_path, text, "staging"))


def test_a_well_formed_file_gives_its_values(tmp_path: Path) -> None:
    (tmp_path / "gwctl.yaml").write_text(
        "prune: true\nsafety: {max_fraction: 0.5, min_existing: 3}\n"
        "environments:\n  prod: {store: {url: https://gw.example, token_env: PROD_TOKEN}}\n",
        encoding="utf-8",
    )

    settings = load_settings(tmp_path, "prod")

    assert settings.prune is True
    assert (settings.safety.max_fraction, settings.safety.min_existing) == (0.5, 3)
    assert (settings.store.url, settings.store.token_env) == ("https://gw.example", "PROD_TOKEN")


def test_validate_reports_gwctl_yaml_too(repo: ConfigRepo) -> None:
    repo.write_plain("gwctl.yaml", 'prune: "false"\n')

    outcome = repo.validate()

    assert outcome.exit_code == 1
    assert "gwctl.yaml:1:8: must be true or false" in outcome.stdout
    assert_clean(outcome)


def test_apply_with_prune_as_text_deletes_nothing(repo: ConfigRepo) -> None:
    assert repo.gwctl("apply", "--auto-approve").exit_code == 0
    repo.remove_account("twilio-us")
    repo.write_plain("gwctl.yaml", 'prune: "false"\n')

    outcome = invoke("-C", repo.root, "apply", "--auto-approve")

    assert outcome.exit_code == 1
    assert "gwctl.yaml:1:8: must be true or false" in outcome.stderr
    repo.remove_file("gwctl.yaml")
    with open_store(load_settings(repo.root)) as client:
        assert "twilio-us" in [gateway["key"] for gateway in client.gateways()]


# --- whatever gwctl.yaml holds: our errors, never an internal one --------------------------------

SETTING_NAMES = st.sampled_from(
    [
        "store",
        "url",
        "token_env",
        "prune",
        "safety",
        "max_fraction",
        "min_existing",
        "environments",
        "production",
        "verify",
        "base_urls",
        "infobip",
        "token",
        "x",
    ]
)
VALUES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
SETTINGS_TREES = st.recursive(
    VALUES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(SETTING_NAMES, children, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    document=st.dictionaries(SETTING_NAMES, SETTINGS_TREES, max_size=5),
    environment=st.none() | st.sampled_from(["production", "x"]),
)
def test_any_gwctl_yaml_gives_settings_or_located_problems(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any], environment: str | None
) -> None:
    root = tmp_path_factory.mktemp("settings")
    (root / "gwctl.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")

    problems = settings_problems_of(root, environment)

    assert problems is None or (problems and all(p.file == "gwctl.yaml" for p in problems))


def settings_problems_of(root: Path, environment: str | None) -> list[Problem] | None:
    """None when the file gives settings; else the problems of our own ConfigError."""
    try:
        load_settings(root, environment)
    except ConfigError as exc:
        return list(exc.problems)
    return None


def test_every_environments_verify_section_is_checked(tmp_path: Path) -> None:
    text = (
        "environments:\n"
        "  staging:\n"
        "    store: {url: https://staging.example}\n"
        "    verify: {base_urls: {sinch: https://sinch.example}}\n"
    )

    found = problems_of(tmp_path, text)

    assert any(p.startswith("gwctl.yaml:4:26: unknown provider 'sinch'") for p in found), found
