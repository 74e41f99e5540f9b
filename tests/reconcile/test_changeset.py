"""gwctl.reconcile.apply.changeset: what apply sends for a plan."""

from __future__ import annotations

import base64
import hashlib

from gwctl.core.model import Logo
from gwctl.reconcile.apply import changeset
from gwctl.reconcile.plan import diff
from tests.support.canaries import CANARY
from tests.support.plan_inputs import account, credentials, desired

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
LOGO = Logo("logos/infobip.png", "image/png", hashlib.sha256(PNG).hexdigest(), PNG)


def test_accounts_sharing_a_logo_send_the_image_once_and_name_it_by_sha256() -> None:
    items = [desired(account(key, logo=LOGO), credentials()) for key in ("infobip-a", "infobip-b")]
    plan = diff(items, [], prune=False, store="test store")

    body = changeset(plan, {item.account.key: item for item in items})

    assert body["logos"] == {
        LOGO.sha256: {"content_type": "image/png", "data": base64.b64encode(PNG).decode()}
    }
    assert [op["gateway"]["logo"] for op in body["operations"]] == [{"sha256": LOGO.sha256}] * 2


def test_a_create_reveals_its_credentials_and_an_account_without_logo_sends_none() -> None:
    item = desired(account("infobip-a"), credentials())
    plan = diff([item], [], prune=False, store="test store")

    body = changeset(plan, {"infobip-a": item})

    (operation,) = body["operations"]
    assert operation["gateway"]["credentials"]["secret_key"] == CANARY
    assert operation["gateway"]["logo"] is None
    assert body["logos"] == {}
