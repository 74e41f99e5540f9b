"""plan.diff: the pure comparison of accounts in git with the live store's gateways."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from gwctl.cli.output.plan import plan_json, plan_markdown, plan_text
from gwctl.config.settings import Safety
from gwctl.core.fingerprints import FingerprintKey
from gwctl.core.model import Account, Secret
from gwctl.core.views import Gateway
from gwctl.reconcile.plan import (
    DIGEST_FIELD,
    FINGERPRINT_FIELD,
    Desired,
    diff,
    live_view,
    secrets_in_sync,
)
from gwctl.reconcile.safety import PlanRefused, check_plan
from tests.support.canaries import CANARY
from tests.support.plan_inputs import KEY, account, credentials, desired


def live_of(acc: Account, creds: dict[str, Secret], **overrides: Any) -> Gateway:
    gateway: dict[str, Any] = {
        "key": acc.key,
        "provider": acc.provider,
        "name": acc.name,
        "status": acc.status,
        "sending_pattern": acc.sending_pattern,
        "fallback_sender_id": acc.fallback_sender_id,
        "description": None,
        "signup_link": None,
        "protect": False,
        "logo": None,
        "credentials": {
            name: {
                "column": name,
                "secret": True,
                "mask": "••••",
                "fingerprint": KEY.fingerprint(name, value),
            }
            for name, value in creds.items()
        },
        "managed_by": "gwctl",
        "applied_digest": acc.secret_digest,
        "version": 3,
    }
    return cast(Gateway, {**gateway, **overrides})  # the fields a plan reads, as listed


def plan_for(items: list[Desired], live: list[Gateway], prune: bool = False) -> Any:
    plan = diff(items, live, prune=prune, store="test store")
    # make_plan diffs the live gateways reduced by live_view: every case here plans the same
    accounts = {item.account.key: item.account for item in items}
    views = [live_view(gateway, account=accounts.get(gateway["key"])) for gateway in live]
    from_views = diff(items, views, prune=prune, store="test store")
    assert replace(from_views, plan_id=plan.plan_id, created_at=plan.created_at) == plan
    return plan


def test_a_fingerprint_depends_on_the_key_the_field_and_the_value() -> None:
    stored = KEY.fingerprint("api_key", Secret("value-a"))
    assert stored.startswith(f"gwctl-hmac-sha256:{KEY.key_id}:")
    assert KEY.fingerprint("api_key", Secret("value-a")) == stored
    assert KEY.fingerprint("api_key", Secret("value-b")) != stored
    assert KEY.fingerprint("secret_key", Secret("value-a")) != stored
    assert FingerprintKey(b"o" * 32).fingerprint("api_key", Secret("value-a")) != stored
    assert "k" * 32 not in repr(KEY)


def test_a_secret_without_a_known_fingerprint_is_sent_again() -> None:
    item = desired(account(), credentials())
    live = live_of(item.account, credentials(), applied_digest=None)  # written on the web page
    live["credentials"]["secret_key"]["fingerprint"] = None
    (change,) = plan_for([item], [live]).changes
    assert [f.field for f in change.fields] == ["secret_key"]


def test_a_secret_of_the_applied_file_without_a_fingerprint_is_fingerprinted() -> None:
    item = desired(account(), credentials())
    live = live_of(item.account, credentials())  # the applied file, the store upgraded since
    live["credentials"]["secret_key"]["fingerprint"] = None
    (change,) = plan_for([item], [live]).changes
    assert [f.field for f in change.fields] == [FINGERPRINT_FIELD]
    assert not change.changes_values


def test_without_the_fingerprint_key_every_decrypted_secret_is_sent_again() -> None:
    item = replace(desired(account(), credentials()), fingerprints=None)
    live = live_of(item.account, credentials(), applied_digest="sha256:an-older-file")
    (change,) = plan_for([item], [live]).changes
    assert {f.field for f in change.fields} == {"api_key", "secret_key"}


def test_an_account_missing_live_is_a_create_listing_its_fields() -> None:
    plan = plan_for([desired(account(), credentials())], [])
    (change,) = plan.changes
    assert change.action == "create"
    fields = {f.field: f for f in change.fields}
    assert fields["name"].new == "Infobip infobip-eu"
    assert fields["secret_key"].sensitive
    assert fields["secret_key"].new is None


def test_an_account_in_sync_is_unchanged() -> None:
    acc = account()
    plan = plan_for([desired(acc, None)], [live_of(acc, credentials())])
    assert not plan.has_changes
    assert plan.unchanged == ("infobip-eu",)


def test_a_changed_plain_field_shows_old_and_new() -> None:
    acc = account(status="inactive")
    plan = plan_for([desired(acc, None)], [live_of(acc, credentials(), status="active")])
    (change,) = plan.changes
    assert change.action == "update"
    assert [(f.field, f.old, f.new) for f in change.fields] == [("status", "active", "inactive")]
    assert change.live_version == 3


def test_a_rotated_secret_is_a_sensitive_change_without_values() -> None:
    acc = account(secret_digest="sha256:rotated")
    live = live_of(acc, credentials(), applied_digest="sha256:before")
    plan = plan_for([desired(acc, credentials(secret_key="rotated-value"))], [live])
    (change,) = plan.changes
    assert [(f.field, f.sensitive, f.old, f.new) for f in change.fields] == [
        ("secret_key", True, None, None)
    ]


def test_a_re_encrypted_secret_file_with_equal_values_only_records_its_digest() -> None:
    acc = account(secret_digest="sha256:re-encrypted")
    live = live_of(acc, credentials(), applied_digest="sha256:before")
    plan = plan_for([desired(acc, credentials())], [live])
    (change,) = plan.changes
    assert [f.field for f in change.fields] == [DIGEST_FIELD]
    assert not change.changes_values


def test_an_account_made_by_hand_is_unmanaged_and_never_deleted() -> None:
    acc = account("manual-one")
    plan = plan_for([], [live_of(acc, credentials(), managed_by="manual")], prune=True)
    assert not plan.changes
    assert plan.unmanaged == ("manual-one",)


def test_a_managed_account_without_file_is_kept_without_prune() -> None:
    acc = account("gone")
    plan = plan_for([], [live_of(acc, credentials())])
    assert not plan.changes
    assert plan.kept == ("gone",)


def test_a_managed_account_without_file_is_deleted_with_prune() -> None:
    acc = account("gone")
    plan = plan_for([], [live_of(acc, credentials())], prune=True)
    assert [(c.action, c.key, c.live_version) for c in plan.changes] == [("delete", "gone", 3)]


def test_moved_from_is_a_rename_not_a_delete_and_create() -> None:
    old = account("old-key")
    new = account("new-key", name=old.name, moved_from="old-key", secret_digest=old.secret_digest)
    plan = plan_for([desired(new, None)], [live_of(old, credentials())], prune=True)
    (change,) = plan.changes
    assert (change.action, change.from_key, change.key) == ("rename", "old-key", "new-key")
    assert change.fields == ()


def test_an_account_made_by_hand_with_a_file_is_taken_over_visibly() -> None:
    acc = account()
    plan = plan_for([desired(acc, None)], [live_of(acc, credentials(), managed_by="manual")])
    (change,) = plan.changes
    assert [(f.field, f.old, f.new) for f in change.fields] == [("managed_by", "manual", "gwctl")]


def test_changes_are_sorted_by_key() -> None:
    items = [desired(account(key), credentials()) for key in ("zeta", "alpha", "mid")]
    plan = plan_for(items, [])
    assert [c.key for c in plan.changes] == ["alpha", "mid", "zeta"]


def _managed_live(count: int) -> list[Gateway]:
    return [live_of(account(f"acc-{i:02d}"), credentials()) for i in range(count)]


def test_deleting_5_of_12_managed_accounts_is_refused_without_force() -> None:
    live = _managed_live(12)
    keep = [desired(account(g["key"]), None) for g in live[5:]]
    plan = plan_for(keep, live, prune=True)
    with pytest.raises(PlanRefused, match=r"5 of 12 managed accounts.*--force"):
        check_plan(plan, live, Safety(), force=False)
    check_plan(plan, live, Safety(), force=True)


def test_below_the_threshold_a_plan_passes() -> None:
    live = _managed_live(12)
    keep = [desired(account(g["key"]), None) for g in live[3:]]
    plan = plan_for(keep, live, prune=True)
    check_plan(plan, live, Safety(), force=False)


def test_with_fewer_than_ten_managed_accounts_the_threshold_does_not_apply() -> None:
    live = _managed_live(9)
    plan = plan_for([], live, prune=True)
    check_plan(plan, live, Safety(), force=False)


def test_deleting_a_protected_account_is_refused_even_with_force() -> None:
    acc = account("precious")
    live = [live_of(acc, credentials(), protect=True)]
    plan = plan_for([], live, prune=True)
    with pytest.raises(PlanRefused, match="protected"):
        check_plan(plan, live, Safety(), force=True)


@pytest.mark.parametrize("render", [plan_text, plan_json, plan_markdown])
def test_no_rendering_shows_a_secret_value(render: Any) -> None:
    acc = account(secret_digest="sha256:rotated")
    items = [
        desired(acc, credentials(secret_key=CANARY + "-new")),
        desired(account("fresh"), credentials()),
    ]
    plan = plan_for(items, [live_of(acc, credentials(), applied_digest="sha256:before")])
    output = render(plan)
    assert "sensitive" in output
    assert CANARY not in output


# -- which live credentials a plan keeps (make_plan's live views) ---------------------------


def test_a_gateway_whose_secret_file_is_the_applied_one_is_viewed_without_credentials() -> None:
    acc = account()
    in_sync = secrets_in_sync([acc])
    gateway = live_of(acc, credentials())

    assert in_sync(gateway)
    assert "credentials" not in live_view(gateway, credentials=False)


def test_a_gateway_whose_account_has_a_new_secret_file_keeps_its_credentials() -> None:
    acc = account()
    gateway = live_of(acc, credentials(), applied_digest="sha256:the-file-applied-before")

    assert not secrets_in_sync([acc])(gateway)


def test_a_gateway_written_live_since_gwctl_applied_keeps_its_credentials() -> None:
    acc = account()
    gateway = live_of(acc, credentials(), applied_digest=None)  # any other write clears it

    assert not secrets_in_sync([acc])(gateway)


def test_the_gateway_a_rename_moves_from_keeps_credentials_when_the_file_changed() -> None:
    old = account("infobip-old")
    renamed = account(
        "infobip-new", moved_from="infobip-old", secret_digest="sha256:infobip-new-secret-v2"
    )

    assert not secrets_in_sync([renamed])(live_of(old, credentials()))


def test_a_gateway_that_two_accounts_diff_against_keeps_credentials_if_either_changed() -> None:
    kept = account("infobip-eu")
    moved = account(
        "infobip-us", moved_from="infobip-eu", secret_digest="sha256:infobip-us-secret-v1"
    )

    assert not secrets_in_sync([kept, moved])(live_of(kept, credentials()))


def test_a_gateway_no_account_declares_needs_no_credentials() -> None:
    assert secrets_in_sync([account("infobip-eu")])(live_of(account("other"), credentials()))


def test_views_without_in_sync_credentials_plan_the_same_as_full_gateways() -> None:
    unchanged, rotated = account("infobip-eu"), account("infobip-us")
    live = [
        live_of(unchanged, credentials()),
        live_of(rotated, credentials(), applied_digest="sha256:infobip-us-secret-v0"),
    ]
    items = [desired(unchanged), desired(rotated, credentials(secret_key="rotated-0002"))]
    in_sync = secrets_in_sync([unchanged, rotated])
    views = [live_view(gateway, credentials=not in_sync(gateway)) for gateway in live]

    plan = diff(items, live, prune=False, store="test store")
    from_views = diff(items, views, prune=False, store="test store")

    assert replace(from_views, plan_id=plan.plan_id, created_at=plan.created_at) == plan
    assert [c.key for c in plan.changes] == ["infobip-us"]


def test_a_live_value_equal_to_gits_is_held_once() -> None:
    acc = account(description="Primary EU route")
    gateway = live_of(
        acc,
        credentials(),
        description="primary eu route",
        name=_copy(acc.name),
        applied_digest=_copy(acc.secret_digest),
    )

    view = live_view(gateway, account=acc)

    assert view["name"] is acc.name
    assert view["applied_digest"] is acc.secret_digest
    assert view["description"] == "primary eu route"  # different: the live value stays


def _copy(text: str) -> str:
    """An equal string that is another object, as JSON decoding gives."""
    copied = text.encode().decode()
    assert copied is not text
    return copied
