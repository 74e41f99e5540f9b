"""gwctl.reconcile.apply.changeset sends removing `protect: true` as a write of its own when
the same change does more (the store refuses it otherwise: gwctl.store.protection)."""

from __future__ import annotations

from typing import Any, cast

from gwctl.core.model import Account
from gwctl.core.views import Gateway
from gwctl.reconcile.apply import changeset
from gwctl.reconcile.plan import diff
from tests.support.plan_inputs import account, credentials, desired

PROTECTED_LIVE: dict[str, Any] = {
    "provider": "infobip",
    "status": "active",
    "sending_pattern": "batch",
    "fallback_sender_id": "SMSPLUS",
    "description": "EU marketing",
    "signup_link": None,
    "protect": True,
    "logo": None,
    "managed_by": "gwctl",
    "version": 4,
}


def live(key: str, acc: Account) -> Gateway:
    return cast(
        Gateway,
        {
            **PROTECTED_LIVE,
            "key": key,
            "name": acc.name,
            "applied_digest": acc.secret_digest,
        },
    )


def operations(acc: Account, live_key: str | None = None) -> list[Any]:
    item = desired(acc, None)  # the secret file is the one applied: not decrypted
    plan = diff([item], [live(live_key or acc.key, acc)], prune=False, store="test store")
    return list(changeset(plan, {acc.key: item})["operations"])


def test_removing_the_protection_with_another_change_is_sent_first_on_its_own() -> None:
    acc = account("infobip-eu", protect=False, description="EU and UK", status="inactive")

    unprotect, update = operations(acc)

    assert unprotect == {
        "op": "update",
        "key": "infobip-eu",
        "if_version": 4,
        "gateway": {
            "provider": "infobip",
            "name": acc.name,
            "status": "active",
            "sending_pattern": "batch",
            "fallback_sender_id": "SMSPLUS",
            "description": "EU marketing",
            "signup_link": None,
            "protect": False,
        },
    }
    assert (update["op"], update["key"], update["if_version"]) == ("update", "infobip-eu", 5)
    gateway = update["gateway"]
    assert (gateway["protect"], gateway["description"], gateway["status"]) == (
        False,
        "EU and UK",
        "inactive",
    )


def test_removing_the_protection_alone_is_one_operation() -> None:
    acc = account("infobip-eu", protect=False, description="EU marketing")

    (update,) = operations(acc)

    assert (update["op"], update["if_version"], update["gateway"]["protect"]) == (
        "update",
        4,
        False,
    )


def test_a_rename_that_removes_the_protection_unprotects_the_old_key_first() -> None:
    acc = account("infobip-emea", protect=False, description="EU marketing", moved_from="old")

    unprotect, rename = operations(acc, live_key="old")

    assert (unprotect["op"], unprotect["key"], unprotect["if_version"]) == ("update", "old", 4)
    assert unprotect["gateway"]["protect"] is False
    assert (rename["op"], rename["key"], rename["new_key"], rename["if_version"]) == (
        "rename",
        "old",
        "infobip-emea",
        5,
    )


def test_keeping_or_setting_the_protection_sends_one_operation_per_change() -> None:
    acc = account("infobip-eu", protect=True, description="EU and UK")

    (update,) = operations(acc)

    assert (update["if_version"], update["gateway"]["protect"]) == (4, True)


def test_a_decrypted_credential_change_goes_with_the_second_operation_only() -> None:
    acc = account("infobip-eu", protect=False, description="EU marketing", secret_digest="new")
    item = desired(acc, credentials(api_key="rotated-key-0002"))
    gateway = cast(Gateway, {**live("infobip-eu", acc), "applied_digest": "old"})
    plan = diff([item], [gateway], prune=False, store="test store")

    unprotect, update = changeset(plan, {acc.key: item})["operations"]

    assert "credentials" not in unprotect["gateway"]
    assert update["gateway"]["credentials"]["api_key"] == "rotated-key-0002"
