"""`gwctl verify`: each provider's check against a local server that answers with the bodies
of the providers' documentation; which accounts are verified; verdicts, exit codes, and that
no credential ever shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support.cli import Outcome, assert_clean, invoke
from tests.support.providers import ProviderServer, point_at, tls_server
from tests.support.repos import SECRETS, ConfigRepo
from tests.support.servers import free_port

TWILIO_SID = SECRETS["twilio-us"]["account_sid"]
INFOBIP_EU_KEY = SECRETS["infobip-eu"]["api_key"]
INFOBIP_TX_KEY = SECRETS["infobip-transactional"]["api_key"]
CLICKATELL_USER = SECRETS["clickatell-africa"]["username"]


def verify(repo: ConfigRepo, *args: str) -> Outcome:
    outcome = invoke("-C", repo.root, "verify", *args)
    assert_clean(outcome)
    return outcome


def verdicts(outcome: Outcome) -> dict[str, str]:
    data = json.loads(outcome.stdout)
    return {account["key"]: account["verdict"] for account in data["accounts"]}


# --- each provider's request and verdicts ------------------------------------------------------


def test_every_active_account_is_verified_when_its_provider_accepts(pointed: ConfigRepo) -> None:
    outcome = verify(pointed)

    assert outcome.exit_code == 0, outcome.output
    assert "infobip-eu             verified     credentials accepted (HTTP 200)" in outcome.stdout
    assert "twilio-us              verified" in outcome.stdout
    assert outcome.stdout.rstrip().endswith("Verified 3 of 3 accounts.")


def test_twilio_is_asked_for_its_account_resource_with_basic_auth(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    verify(pointed, "twilio-us")

    [request] = providers.requests
    assert (request.method, request.path) == ("GET", f"/2010-04-01/Accounts/{TWILIO_SID}.json")
    assert request.basic_auth == (TWILIO_SID, SECRETS["twilio-us"]["auth_token"])


def test_infobip_is_asked_for_the_balance_with_its_api_key(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    verify(pointed, "infobip-eu")

    [request] = providers.requests
    assert (request.method, request.path) == ("GET", "/account/1/balance")
    assert request.headers["authorization"] == f"App {INFOBIP_EU_KEY}"


def test_clickatell_credentials_travel_in_a_post_body_not_the_url(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    verify(pointed, "clickatell-africa")

    [request] = providers.requests
    assert (request.method, request.path, request.query) == ("POST", "/http/auth", {})
    assert f"user={CLICKATELL_USER}".encode() in request.body


@pytest.mark.parametrize(
    ("identifier", "key", "reason"),
    [
        (TWILIO_SID, "twilio-us", "SID or Auth Token refused (Twilio error 20003) (HTTP 401)"),
        (INFOBIP_EU_KEY, "infobip-eu", "API key refused (UNAUTHORIZED) (HTTP 401)"),
        (CLICKATELL_USER, "clickatell-africa", "user name or password refused (ERR 001/002)"),
    ],
)
def test_refused_credentials_are_rejected_and_exit_1(
    pointed: ConfigRepo, providers: ProviderServer, identifier: str, key: str, reason: str
) -> None:
    providers.answer(identifier, "rejected")

    outcome = verify(pointed, key)

    assert outcome.exit_code == 1
    assert f"{key}  rejected     {reason}" in outcome.stdout


@pytest.mark.parametrize(
    ("identifier", "key", "scenario", "reason"),
    [
        (TWILIO_SID, "twilio-us", "suspended", "account suspended (HTTP 200)"),
        (TWILIO_SID, "twilio-us", "closed", "account closed (HTTP 200)"),
        (CLICKATELL_USER, "clickatell-africa", "suspended", "account frozen (ERR 004)"),
    ],
)
def test_a_suspended_account_is_reported_and_exits_1(
    pointed: ConfigRepo,
    providers: ProviderServer,
    identifier: str,
    key: str,
    scenario: str,
    reason: str,
) -> None:
    providers.answer(identifier, scenario)

    outcome = verify(pointed, key)

    assert outcome.exit_code == 1
    assert f"{key}  suspended    {reason}" in outcome.stdout


def test_an_infobip_key_without_permission_is_rejected(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(INFOBIP_EU_KEY, "suspended")  # the local Infobip answers 403 FORBIDDEN

    outcome = verify(pointed, "infobip-eu")

    assert outcome.exit_code == 1
    assert "API key not allowed to read this account (FORBIDDEN) (HTTP 403)" in outcome.stdout


# --- no verdict: unreachable, its own exit code ------------------------------------------------


def test_a_429_is_retried_after_its_retry_after(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(INFOBIP_EU_KEY, "rate_limited_once")

    outcome = verify(pointed, "infobip-eu", "--format", "json")

    [account] = json.loads(outcome.stdout)["accounts"]
    assert (account["verdict"], account["attempts"]) == ("verified", 2)
    assert len(providers.requests) == 2


def test_a_429_asking_for_longer_than_gwctl_waits_is_unreachable_and_exits_3(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(TWILIO_SID, "rate_limited")

    outcome = verify(pointed, "twilio-us")

    assert outcome.exit_code == 3
    assert "unreachable  rate limited (HTTP 429): the provider asks to retry in 3600 s" in (
        outcome.stdout
    )
    assert len(providers.requests) == 1


def test_a_provider_error_is_unreachable(pointed: ConfigRepo, providers: ProviderServer) -> None:
    providers.answer(INFOBIP_EU_KEY, "error")

    outcome = verify(pointed, "infobip-eu")

    assert outcome.exit_code == 3
    assert "infobip-eu  unreachable  provider error (HTTP 500)" in outcome.stdout


def test_a_provider_that_hangs_is_unreachable_after_the_timeout(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(TWILIO_SID, "hang")

    outcome = verify(pointed, "twilio-us", "--timeout", "0.5")

    assert outcome.exit_code == 3
    assert "unreachable  timeout: no answer within 0.5 s" in outcome.stdout


def test_an_untrusted_tls_certificate_is_unreachable(repo: ConfigRepo, tmp_path: Path) -> None:
    with tls_server(tmp_path) as untrusted:
        point_at(repo, untrusted.base_url)
        outcome = verify(repo, "infobip-eu")

    assert outcome.exit_code == 3
    assert "unreachable  TLS: the certificate of 127.0.0.1 is not trusted" in outcome.stdout
    assert untrusted.requests == []  # nothing was sent over the untrusted connection


def test_a_closed_port_is_unreachable(repo: ConfigRepo) -> None:
    point_at(repo, f"http://127.0.0.1:{free_port()}")

    outcome = verify(repo, "infobip-eu")

    assert outcome.exit_code == 3
    assert "unreachable  connection refused by 127.0.0.1" in outcome.stdout


def test_a_host_that_does_not_resolve_is_unreachable(repo: ConfigRepo) -> None:
    point_at(repo, "https://gwctl-test.invalid")  # .invalid never resolves (RFC 2606)

    outcome = verify(repo, "infobip-eu")

    assert outcome.exit_code == 3
    assert "unreachable  DNS: cannot resolve gwctl-test.invalid" in outcome.stdout


def test_a_refusal_outweighs_an_unreachable_provider_in_the_exit_code(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(INFOBIP_EU_KEY, "error")
    providers.answer(TWILIO_SID, "rejected")

    outcome = verify(pointed)

    assert outcome.exit_code == 1
    assert "Verified 1 of 3 accounts: 1 rejected, 1 unreachable." in outcome.stdout


# --- which accounts ----------------------------------------------------------------------------


def test_an_inactive_account_is_skipped_unless_named(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    everything = verify(pointed, "--format", "json")
    named = verify(pointed, "clickatell-africa", "--format", "json")

    assert "clickatell-africa" not in verdicts(everything)
    assert json.loads(everything.stdout)["skipped"] == [
        {
            "key": "clickatell-africa",
            "reason": "inactive: verified only when named (gwctl verify KEY)",
        }
    ]
    assert verdicts(named) == {"clickatell-africa": "verified"}


def test_an_unknown_key_is_an_error_naming_the_accounts(pointed: ConfigRepo) -> None:
    outcome = verify(pointed, "infobip-nowhere")

    assert outcome.exit_code == 1
    assert "no account 'infobip-nowhere' in gateways.d/; accounts: clickatell-africa" in (
        outcome.stderr
    )


def test_changed_verifies_only_secret_files_the_store_has_not_applied(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    assert pointed.gwctl("apply", "--auto-approve").exit_code == 0
    pointed.write_secret(
        "infobip-eu", {**SECRETS["infobip-eu"], "api_key": "infobip-eu-rotated-9999"}
    )

    outcome = verify(pointed, "--changed", "--format", "json")

    assert verdicts(outcome) == {"infobip-eu": "verified"}
    assert [request.headers["authorization"] for request in providers.requests] == [
        "App infobip-eu-rotated-9999"
    ]


def test_changed_on_a_store_that_has_nothing_verifies_every_active_account(
    pointed: ConfigRepo,
) -> None:
    outcome = verify(pointed, "--changed", "--format", "json")

    assert set(verdicts(outcome)) == {"infobip-eu", "infobip-transactional", "twilio-us"}


def test_no_more_requests_are_in_flight_than_jobs(repo: ConfigRepo) -> None:
    with ProviderServer(delay=0.2) as slow:
        point_at(repo, slow.base_url)
        outcome = verify(repo, "--jobs", "2", *SECRETS)

    assert outcome.exit_code == 0, outcome.output
    assert (len(slow.requests), slow.max_in_flight) == (4, 2)


# --- output ------------------------------------------------------------------------------------


def test_json_output_lists_verdicts_skips_and_a_summary(
    pointed: ConfigRepo, providers: ProviderServer
) -> None:
    providers.answer(INFOBIP_TX_KEY, "rejected")

    data = json.loads(verify(pointed, "--format", "json").stdout)

    assert data["summary"] == {
        "verified": 2,
        "rejected": 1,
        "suspended": 0,
        "unreachable": 0,
        "skipped": 1,
    }
    assert data["exit_code"] == 1
    assert {
        "key": "infobip-transactional",
        "provider": "infobip",
        "verdict": "rejected",
        "reason": "API key refused (UNAUTHORIZED)",
        "http_status": 401,
        "attempts": 1,
        "host": "127.0.0.1",
    } in data["accounts"]


@pytest.mark.parametrize("scenario", ["ok", "rejected", "suspended", "error"])
def test_no_credential_shows_whatever_the_provider_answers(
    pointed: ConfigRepo, providers: ProviderServer, scenario: str
) -> None:
    for identifier in (TWILIO_SID, INFOBIP_EU_KEY, CLICKATELL_USER):
        providers.answer(identifier, scenario)  # Twilio's success body echoes the Auth Token

    for fmt in ("text", "json"):
        outcome = verify(pointed, *SECRETS, "--format", fmt)
        assert SECRETS["twilio-us"]["auth_token"] not in outcome.output
        assert "Invalid login details" not in outcome.output  # nothing of the body is quoted


# --- gwctl.yaml --------------------------------------------------------------------------------


def test_plain_http_is_refused_for_a_host_other_than_this_machine(repo: ConfigRepo) -> None:
    repo.write_plain("gwctl.yaml", "verify:\n  base_urls:\n    infobip: http://api.example.com\n")

    outcome = verify(repo)

    assert outcome.exit_code == 1
    assert outcome.stderr.startswith(
        "gwctl.yaml:3:14: infobip: must be https:// (plain http only for a server on this machine)"
    )


def test_a_base_url_for_an_unknown_provider_is_an_error(repo: ConfigRepo) -> None:
    repo.write_plain("gwctl.yaml", "verify:\n  base_urls:\n    sinch: https://sinch.example\n")

    outcome = verify(repo)

    assert outcome.exit_code == 1
    assert "gwctl.yaml:3:5: unknown provider 'sinch'; known: clickatell, infobip, twilio" in (
        outcome.stderr
    )


def test_an_environments_base_url_overrides_the_top_level_one(
    repo: ConfigRepo, providers: ProviderServer
) -> None:
    repo.write_plain(
        "gwctl.yaml",
        yaml.safe_dump(
            {
                "verify": {"base_urls": {"infobip": "https://gwctl-test.invalid"}},
                "environments": {
                    "staging": {
                        "store": {"url": "https://staging.example.com"},
                        "verify": {"base_urls": {"infobip": providers.base_url}},
                    }
                },
            }
        ),
    )

    outcome = invoke("-C", repo.root, "--env", "staging", "verify", "infobip-eu")

    assert outcome.exit_code == 0, outcome.output


def test_invalid_credentials_in_a_secret_file_are_an_error_at_their_line(
    pointed: ConfigRepo,
) -> None:
    pointed.write_secret("twilio-us", {**SECRETS["twilio-us"], "auth_token": "not-hex"})

    outcome = verify(pointed)

    assert outcome.exit_code == 1
    assert outcome.stderr.startswith("gateways.d/twilio-us.secret.yaml:2:")
    assert "must be a Twilio Auth Token" in outcome.stderr
    assert "Verified" not in outcome.stdout
