"""The store's audit log checked on this machine: its chain, its signed checkpoints, and the
checkpoints kept outside the store (`gwctl audit verify`, `gwctl audit checkpoint`).

Nothing the store says is taken on trust but the public key, and that only when no pinned
key (`--public-key`) is given: the entries and checkpoints are checked here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gwctl.core.audit_chain import (
    ChainVerdict,
    Checkpoint,
    CheckpointError,
    PublicKey,
    Witness,
    judge,
    read_checkpoint,
    walk_chain,
)
from gwctl.remote.client import StoreClient


def read_witnesses(paths: Sequence[Path]) -> list[Witness]:
    """Checkpoint files; CheckpointError naming the first one that cannot be read."""
    return [Witness(str(path), read_checkpoint(_read(path), str(path))) for path in paths]


def read_public_key(path: Path) -> PublicKey:
    return PublicKey.from_pem(_read(path).encode("ascii", "replace"), str(path))


def verify_store_log(
    client: StoreClient, witnesses: Sequence[Witness], pinned: PublicKey | None
) -> ChainVerdict:
    """Walk every entry, then read the checkpoints (a checkpoint never precedes the entries
    it covers: both commit in one transaction), and judge."""
    key = pinned or PublicKey.from_pem(client.signing_key_pem().encode("ascii"), "the store")
    walk = walk_chain(client.audit_entries())
    stored = [Checkpoint.from_dict(data, "the store") for data in client.checkpoints()]
    return judge(walk, stored, key, witnesses)


def save_checkpoint(client: StoreClient, output: Path | None) -> str:
    """The newest checkpoint as JSON; written to `output` when given. CheckpointError while
    the log is empty."""
    data = client.latest_checkpoint()
    if data is None:
        raise CheckpointError("the audit log is empty: there is nothing to witness yet")
    text = json.dumps(Checkpoint.from_dict(data, "the store").to_dict(), indent=2) + "\n"
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CheckpointError(
                f"{output}: cannot write the checkpoint: {exc.strerror}"
            ) from None
    return text


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: not a text file") from None
