"""The request digest behind Idempotency-Key replays: equal changesets, equal digests."""

from __future__ import annotations

from typing import Any

from gwctl.store.changesets import Changeset
from gwctl.store.crypto import CredentialCipher
from gwctl.store.idempotency import request_hash as digest_of
from gwctl.store.validation import CheckedLogo

CIPHER = CredentialCipher(b"k" * 32)
CREATE: dict[str, Any] = {
    "op": "create",
    "gateway": {"key": "infobip-eu", "credentials": {"api_key": "v1"}},
}
DELETE = {"op": "delete", "key": "twilio-us", "if_version": 3}
PNG = CheckedLogo(b"\x89PNG\r\n\x1a\n-pixels", "image/png")


def request_hash(
    cipher: CredentialCipher, operations: list[Any], logos: dict[str, CheckedLogo] | None = None
) -> str:
    return digest_of(cipher, Changeset(operations, logos or {}))


def test_the_same_operations_in_another_key_order_have_the_same_digest() -> None:
    reordered = {"gateway": {"credentials": {"api_key": "v1"}, "key": "infobip-eu"}, "op": "create"}

    assert request_hash(CIPHER, [CREATE, DELETE]) == request_hash(CIPHER, [reordered, DELETE])


def test_another_value_order_or_count_of_operations_changes_the_digest() -> None:
    digest = request_hash(CIPHER, [CREATE, DELETE])
    rotated = {**CREATE, "gateway": {**CREATE["gateway"], "credentials": {"api_key": "v2"}}}

    assert request_hash(CIPHER, [rotated, DELETE]) != digest
    assert request_hash(CIPHER, [DELETE, CREATE]) != digest
    assert request_hash(CIPHER, [CREATE]) != digest
    assert request_hash(CIPHER, []) != digest


def test_a_value_holding_a_newline_cannot_pose_as_two_operations() -> None:
    split = [{"op": "a"}, {"op": "b"}]
    joined = [{"op": 'a"}\n{"op":"b'}]

    assert request_hash(CIPHER, split) != request_hash(CIPHER, joined)


def test_the_digest_is_keyed_by_the_store_key() -> None:
    other_store = CredentialCipher(b"o" * 32)

    assert request_hash(CIPHER, [CREATE]) != request_hash(other_store, [CREATE])


def test_the_images_a_changeset_carries_count_in_its_digest() -> None:
    with_logo = request_hash(CIPHER, [CREATE], {PNG.sha256: PNG})

    assert with_logo != request_hash(CIPHER, [CREATE])
    assert with_logo == request_hash(CIPHER, [CREATE], {PNG.sha256: PNG})
