"""Masks: the last four characters only for keys a provider generates (the schema marks them
`x-gwctl-random`), never for a password a person chose."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gwctl.store.context import WriteContext
from gwctl.store.service import GatewayStore
from tests.support.samples import TWILIO_TOKEN, clickatell, infobip, twilio

ADMIN = WriteContext(token_name="ci", actor="ci:github:1")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    opened = GatewayStore.open(f"sqlite:///{tmp_path / 's.db'}", key_file=tmp_path / "k")
    for body in (infobip(), twilio(), clickatell()):
        opened.create_gateway(body, ADMIN)
    yield opened
    opened.close()


def masks(store: GatewayStore, key: str) -> dict[str, str]:
    credentials = store.get_gateway(key).credentials
    return {name: credential.mask for name, credential in credentials.items()}


def test_a_password_shows_no_character_of_itself(store: GatewayStore) -> None:
    assert masks(store, "clickatell-main")["password"] == "••••"


def test_a_generated_key_shows_its_last_four_characters(store: GatewayStore) -> None:
    assert masks(store, "infobip-primary") == {"api_key": "••••0001", "secret_key": "••••0001"}
    assert masks(store, "twilio-us")["auth_token"] == "••••" + TWILIO_TOKEN[-4:]
