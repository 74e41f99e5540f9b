"""`gwctl apply --verify`: the credentials a plan writes are proven with their providers
first, and a refusal applies nothing."""

from __future__ import annotations

from gwctl.config.settings import load_settings
from gwctl.remote.session import open_store
from tests.support.canaries import assert_no_secret
from tests.support.providers import ProviderServer
from tests.support.repos import SECRETS, ConfigRepo


def live_keys(repo: ConfigRepo) -> list[str]:
    with open_store(load_settings(repo.root, None)) as client:
        return [gateway["key"] for gateway in client.gateways()]


def test_one_rejected_credential_applies_nothing(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(SECRETS["twilio-us"]["account_sid"], "rejected")

    outcome = pointed.gwctl("apply", "--auto-approve", "--verify")

    assert outcome.exit_code == 1
    assert "nothing applied: these credentials were not verified by their provider" in (
        outcome.stderr
    )
    assert "twilio-us: rejected: SID or Auth Token refused (Twilio error 20003)" in outcome.stderr
    assert live_keys(pointed) == []


def test_an_unreachable_provider_applies_nothing_either(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(SECRETS["infobip-eu"]["api_key"], "error")

    outcome = pointed.gwctl("apply", "--auto-approve", "--verify")

    assert outcome.exit_code == 1
    assert "infobip-eu: unreachable: provider error (HTTP 500)" in outcome.stderr
    assert live_keys(pointed) == []


def test_verified_credentials_are_applied_and_their_verdicts_shown(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    outcome = pointed.gwctl("apply", "--auto-approve", "--verify")

    assert outcome.exit_code == 0, outcome.output
    assert "Verified 3 of 3 accounts." in outcome.stdout
    assert "skipped clickatell-africa: inactive" in outcome.stdout
    assert len(live_keys(pointed)) == 4
    assert_no_secret(outcome.stdout, outcome.stderr)


def test_only_the_credentials_the_plan_writes_are_verified(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    assert pointed.gwctl("apply", "--auto-approve").exit_code == 0
    rotated = {**SECRETS["infobip-transactional"], "api_key": "infobip-tx-rotated-7777"}
    pointed.write_secret("infobip-transactional", rotated)
    pointed.edit_account("twilio-us", description="US traffic, renamed in git")

    outcome = pointed.gwctl("apply", "--auto-approve", "--verify")

    assert outcome.exit_code == 0, outcome.output
    assert [request.headers.get("authorization") for request in providers.requests] == [
        "App infobip-tx-rotated-7777"
    ]


def test_nothing_to_apply_asks_no_provider(pointed: ConfigRepo, providers: ProviderServer) -> None:
    assert pointed.gwctl("apply", "--auto-approve").exit_code == 0

    outcome = pointed.gwctl("apply", "--auto-approve", "--verify")

    assert outcome.exit_code == 0
    assert providers.requests == []
