"""The audit log's evidence, checked wherever the verifier stands: hash chain, signed checkpoints.

Each entry's `hash` is SHA-256 over the canonical JSON (keys sorted, no spaces, UTF-8) of the
entry without `hash`, including `prev_hash`, the previous entry's hash (64 zeros for the
first). A checkpoint is the store's Ed25519 signature over one head of that chain (sequence
number, hash, time): since each hash covers everything before it, one valid checkpoint vouches
for the whole log up to its entry; the first checkpoint that no longer matches names the write
where a rewrite with recomputed hashes begins. The store signs a checkpoint in every write
transaction; checkpoints kept outside the store (files from `gwctl audit checkpoint`) also
catch a truncated log and a rewrite by someone who holds the signing key
(docs/threat-model.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gwctl.errors import GwctlError

GENESIS_HASH = "0" * 64
CHECKPOINT_FORMAT = "gwctl-audit-checkpoint/1"
_CHECKPOINT_FIELDS = ("seq", "hash", "at", "key_id", "signature")


class CheckpointError(GwctlError):
    """A checkpoint or public key file that cannot be read; the message names the file."""


def canonical_json(value: Any) -> bytes:
    """The bytes an entry's hash (and a checkpoint's signature) is computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an entry as the API shows it, without its `hash`."""
    content = {name: value for name, value in entry.items() if name != "hash"}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def key_id(raw_public_key: bytes) -> str:
    """A public key's short name: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """A signed head of the audit chain."""

    seq: int
    hash: str
    at: str
    key_id: str
    signature: str  # base64 of the Ed25519 signature over `signed_bytes()`

    def signed_bytes(self) -> bytes:
        return signed_bytes(self.seq, self.hash, self.at, self.key_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            **{name: getattr(self, name) for name in _CHECKPOINT_FIELDS},
        }

    @classmethod
    def from_dict(cls, data: Any, source: str) -> Checkpoint:
        """A checkpoint from its JSON form; CheckpointError naming `source` otherwise."""
        if not isinstance(data, dict) or data.get("format", CHECKPOINT_FORMAT) != CHECKPOINT_FORMAT:
            raise CheckpointError(f"{source}: not a gwctl audit checkpoint ({CHECKPOINT_FORMAT})")
        missing = [name for name in _CHECKPOINT_FIELDS if name not in data]
        if missing:
            raise CheckpointError(f"{source}: the checkpoint lacks {', '.join(missing)}")
        seq = data["seq"]
        texts = [data[name] for name in _CHECKPOINT_FIELDS[1:]]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise CheckpointError(f"{source}: 'seq' must be a positive whole number")
        if not all(isinstance(text, str) for text in texts):
            raise CheckpointError(f"{source}: hash, at, key_id and signature must be text")
        return cls(seq, *texts)


def signed_bytes(seq: int, head_hash: str, at: str, signer_key_id: str) -> bytes:
    """What a checkpoint's signature covers (the format string keeps it from meaning
    anything else)."""
    return canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "seq": seq,
            "hash": head_hash,
            "at": at,
            "key_id": signer_key_id,
        }
    )


def read_checkpoint(text: str, source: str) -> Checkpoint:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CheckpointError(f"{source}: not JSON ({exc.args[0]})") from None
    return Checkpoint.from_dict(data, source)


class PublicKey:
    """The store's Ed25519 public key, which every checkpoint must verify with."""

    def __init__(self, raw: bytes) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        self._key = Ed25519PublicKey.from_public_bytes(raw)
        self.key_id = key_id(raw)

    @classmethod
    def from_pem(cls, pem: bytes, source: str) -> PublicKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            loaded = serialization.load_pem_public_key(pem)
        except ValueError:
            raise CheckpointError(f"{source}: not a PEM public key") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise CheckpointError(f"{source}: not an Ed25519 public key")
        raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(raw)

    def verifies(self, checkpoint: Checkpoint) -> bool:
        from cryptography.exceptions import InvalidSignature

        if checkpoint.key_id != self.key_id:
            return False
        try:
            signature = base64.b64decode(checkpoint.signature, validate=True)
            self._key.verify(signature, checkpoint.signed_bytes())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str


@dataclass
class ChainVerdict:
    """What a verification found: `problems` ordered by the entry they start at."""

    entries: int
    checkpoint_seq: int | None  # the newest stored checkpoint that vouches for the log
    witnesses: int  # checkpoints from outside the store that still match
    problems: list[Broken] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> Broken | None:
        return min(self.problems, key=lambda problem: problem.seq) if self.problems else None


@dataclass(frozen=True)
class Witness:
    """A checkpoint kept outside the store, and where it came from (a file name)."""

    source: str
    checkpoint: Checkpoint


def verify_log(
    entries: Iterable[Mapping[str, Any]],
    stored: Sequence[Checkpoint],
    key: PublicKey,
    witnesses: Sequence[Witness] = (),
) -> ChainVerdict:
    """Check the chain, the store's checkpoints and every witness against one read of the log."""
    return judge(walk_chain(entries), stored, key, witnesses)


def judge(
    walk: ChainWalk,
    stored: Sequence[Checkpoint],
    key: PublicKey,
    witnesses: Sequence[Witness] = (),
) -> ChainVerdict:
    """The verdict on a walked log: `stored` are the store's checkpoints oldest first, read
    after the entries (so those newer than the last entry read are ignored: later writes)."""
    stored = [checkpoint for checkpoint in stored if checkpoint.seq <= walk.last_seq]
    verdict = ChainVerdict(walk.last_seq, None, 0)
    if walk.broken is not None:
        verdict.problems.append(walk.broken)
        return verdict
    verdict.problems.extend(_stored_problems(stored, walk, key, verdict))
    for witness in witnesses:
        problem = _witness_problem(witness, walk, key)
        if problem is None:
            verdict.witnesses += 1
        else:
            verdict.problems.append(problem)
    return verdict


def check_chain(entries: Iterable[Mapping[str, Any]]) -> Broken | None:
    """The first entry that breaks the hash chain, or None (no signatures are looked at)."""
    return walk_chain(entries).broken


@dataclass
class ChainWalk:
    """One pass over the log: where it ends, each entry's hash, the first break if any."""

    last_seq: int
    hashes: dict[int, str]
    broken: Broken | None


def walk_chain(entries: Iterable[Mapping[str, Any]]) -> ChainWalk:
    expected, prev_hash = 1, GENESIS_HASH
    hashes: dict[int, str] = {}
    for entry in entries:
        reason = _entry_problem(entry, expected, prev_hash)
        if reason is not None:
            seq = entry.get("seq")
            at = seq if isinstance(seq, int) and seq > expected else expected  # where it shows
            return ChainWalk(expected - 1, hashes, Broken(at, reason))
        hashes[expected] = prev_hash = entry["hash"]
        expected += 1
    return ChainWalk(expected - 1, hashes, None)


def _entry_problem(entry: Mapping[str, Any], expected: int, prev_hash: str) -> str | None:
    seq = entry.get("seq")
    if seq != expected:
        return (
            f"entries {expected} to {seq - 1} are missing"
            if isinstance(seq, int) and seq > expected
            else f"entry {expected} is followed by entry {seq}: entries were reordered or inserted"
        )
    if entry.get("prev_hash") != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    if entry_hash(entry) != entry.get("hash"):
        return "the hash does not match the entry's content: it was changed after it was written"
    return None


def _stored_problems(
    stored: Sequence[Checkpoint], walk: ChainWalk, key: PublicKey, verdict: ChainVerdict
) -> list[Broken]:
    if walk.last_seq == 0:
        return []
    if not stored:
        return [Broken(1, "no signed checkpoint covers the log: its checkpoints were deleted")]
    latest = stored[-1]
    if latest.seq < walk.last_seq:
        return [
            Broken(
                latest.seq + 1,
                f"entries {latest.seq + 1} to {walk.last_seq} are not covered by a signed "
                "checkpoint: they were added outside the store",
            )
        ]

    # every signature is checked: a checkpoint row altered in the database is tampering too,
    # even where the newest checkpoint still vouches for the entries
    previous = 0
    for checkpoint in stored:
        if walk.hashes.get(checkpoint.seq) != checkpoint.hash or not key.verifies(checkpoint):
            return [Broken(previous + 1, _why_bad(checkpoint, previous, walk, key))]
        previous = checkpoint.seq
    verdict.checkpoint_seq = latest.seq
    return []


def _why_bad(checkpoint: Checkpoint, after: int, walk: ChainWalk, key: PublicKey) -> str:
    if checkpoint.key_id != key.key_id:
        return (
            f"the checkpoint at entry {checkpoint.seq} names signing key {checkpoint.key_id}, "
            f"not this store's key {key.key_id}"
        )
    if not key.verifies(checkpoint):
        return f"the checkpoint at entry {checkpoint.seq} was altered: its signature fails"
    return (
        f"entries {after + 1} to {checkpoint.seq} were changed after they were written and "
        f"the hashes recomputed: entry {checkpoint.seq} no longer matches its signed checkpoint"
    )


def _witness_problem(witness: Witness, walk: ChainWalk, key: PublicKey) -> Broken | None:
    checkpoint = witness.checkpoint
    if not key.verifies(checkpoint):
        return Broken(
            checkpoint.seq,
            f"{witness.source}: the checkpoint's signature does not verify with the public key "
            f"{key.key_id}",
        )
    if checkpoint.seq > walk.last_seq:
        return Broken(
            walk.last_seq + 1,
            f"{witness.source} witnessed entry {checkpoint.seq}, but the log ends at entry "
            f"{walk.last_seq}: entries were deleted from the end",
        )
    if walk.hashes.get(checkpoint.seq) != checkpoint.hash:
        return Broken(
            checkpoint.seq,
            f"entry {checkpoint.seq} is not the entry {witness.source} witnessed: the log up to "
            "it was rewritten after that checkpoint was taken",
        )
    return None
