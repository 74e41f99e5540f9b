"""The served store's settings (gwctl/store/settings.py): flags over environment variables,
every value checked with an error naming where it came from, and back to variables for the
workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gwctl.store.errors import StoreConfigError
from gwctl.store.settings import OPTIONS, ServeSettings, resolve, to_environ

BAD_SETTINGS = [
    tuple(part.strip() for part in line.split("->"))
    for line in (Path(__file__).parent / "bad_settings.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def test_without_flags_or_variables_the_defaults_hold() -> None:
    assert resolve({}, {}) == ServeSettings()


def test_a_flag_wins_over_its_environment_variable() -> None:
    settings = resolve(
        {"port": "9001", "db_url": None}, {"GWCTL_PORT": "9000", "GWCTL_DB_URL": "sqlite:///a"}
    )

    assert settings.port == 9001
    assert settings.db_url == "sqlite:///a"


def test_a_repeated_flag_adds_to_the_variables_items() -> None:
    settings = resolve(
        {"trusted_proxies": ("10.0.0.9", "10.0.0.0/24")},
        {"GWCTL_TRUSTED_PROXIES": " 10.0.0.9 , fd00::1"},
    )

    assert settings.trusted_proxies == ("10.0.0.9", "fd00::1", "10.0.0.0/24")


def test_a_switch_is_set_by_its_flag_or_its_variable() -> None:
    assert resolve({"init": True}, {}).init
    assert resolve({"init": False}, {"GWCTL_INIT": "yes"}).init
    assert not resolve({"init": False}, {"GWCTL_INIT": "0"}).init


@pytest.mark.parametrize(("assignment", "message"), BAD_SETTINGS)
def test_a_bad_value_is_refused_naming_its_variable(assignment: str, message: str) -> None:
    variable, _, value = assignment.partition("=")

    with pytest.raises(StoreConfigError) as refused:
        resolve({}, {variable: value})

    assert str(refused.value).startswith(message)


def test_a_bad_flag_value_names_the_flag_not_the_variable() -> None:
    with pytest.raises(StoreConfigError, match=r"^--port: 'http' is not a whole number"):
        resolve({"port": "http"}, {"GWCTL_PORT": "80"})


def test_serving_without_a_database_says_how_to_name_one() -> None:
    with pytest.raises(StoreConfigError, match="give --db URL or set GWCTL_DB_URL"):
        resolve({}, {}).database_url()


def test_the_workers_get_back_exactly_the_settings_from_the_variables() -> None:
    settings = resolve(
        {
            "db_url": "postgresql+psycopg://gwctl:pw@db/gwctl",
            "key_file": "/etc/gwctl/store.key",
            "workers": "4",
            "trusted_proxies": ("10.0.0.0/8",),
            "verify_base_urls": ("infobip=https://x1.api.infobip.com",),
            "log_format": "JSON",
        },
        {},
    )

    assert resolve({}, to_environ(settings)) == settings


def test_every_setting_has_a_flag_and_a_gwctl_variable_of_its_own() -> None:
    assert {option.name for option in OPTIONS} == set(ServeSettings.__dataclass_fields__)
    assert len({option.env for option in OPTIONS}) == len(OPTIONS)
    assert all(option.env.startswith("GWCTL_") for option in OPTIONS)
    assert all(option.env in option.describe() for option in OPTIONS)


def test_the_deployment_page_lists_every_variable_with_its_flag() -> None:
    page = (Path(__file__).parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")

    for option in OPTIONS:
        assert f"| `{option.env}` | `{option.flag}` |" in page
