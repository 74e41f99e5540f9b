"""schemathesis over /openapi.json with an admin token: no 5xx, and every response (status,
content type, headers, body) matches the OpenAPI document."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from gwctl.store.app import create_app
from gwctl.store.service import GatewayStore
from tests.support.samples import clickatell, infobip, logo_field, png, twilio
from tests.support.store_api import TestClient

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
SEEDED = ("infobip-primary", "twilio-us", "clickatell-main")
# ST_EXAMPLES=150 ST_RANDOM=1 pytest tests/store/test_schemathesis.py: a longer, random hunt
EXAMPLES = int(os.environ.get("ST_EXAMPLES", "12"))
DERANDOMIZE = not os.environ.get("ST_RANDOM")


@pytest.fixture
def app_and_token(database_url: str, key_file: Path) -> Iterator[tuple[Any, str]]:
    """The app on a fresh store holding a few gateways, and an admin token."""
    store = GatewayStore.open(database_url, key_file=key_file)
    token = store.create_token("fuzzer", "admin")
    store.close()
    app = create_app(database_url, key_file=key_file)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        for body in (infobip(logo=logo_field(png())), twilio(), clickatell()):
            client.post("/api/v1/gateways", json=body).raise_for_status()
    yield app, token
    app.state.store.close()


def test_every_response_matches_the_openapi_document(app_and_token: tuple[Any, str]) -> None:
    app, token = app_and_token
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    # deletions and taking the lock last, so that the other operations see the seeded data
    found = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    operations = sorted(
        found,
        key=lambda op: (op.method.upper() == "DELETE", op.label == "POST /api/v1/lock", op.label),
    )
    assert len(operations) >= 15

    for operation in operations:

        @given(case=_strategies(operation))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=DERANDOMIZE,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert failures == {}


def _strategies(operation: Any) -> Any:
    """Positive and negative cases; for `{key}` paths also cases on the seeded gateways."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if "{key}" in operation.path:
        strategies += [
            operation.as_strategy(
                generation_mode=GenerationMode.POSITIVE,
                path_parameters={"key": key},
                headers={"If-Match": "1"},
            )
            for key in SEEDED
        ]
    return st.one_of(strategies)
