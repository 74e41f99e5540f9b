"""Keeping the store's apply lock: a thread that renews its lease while gwctl works.

The store frees a lock one lease after it last heard from its holder, so a killed gwctl
blocks other writers for at most a lease, while a long apply (a large plan, a slow provider,
a person reading the plan at the prompt) keeps its lock for as long as it runs.
"""

from __future__ import annotations

import threading
from types import TracebackType

from gwctl.remote.client import Lock, StoreClient, StoreError

RENEWALS_PER_LEASE = 3  # two renewals in a row may fail before the lease runs out


class LeaseKeeper:
    """Renews `lock` every third of its lease from a daemon thread, inside a `with` block.

    A renewal that fails is tried again at the next turn; once the store says the lock is
    gone, renewing stops (the store then refuses our writes with `lock_lost`).
    """

    def __init__(self, client: StoreClient, lock: Lock) -> None:
        self._client = client
        self._lock = lock
        self._every = max(lock.lease_seconds / RENEWALS_PER_LEASE, 0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gwctl-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        if self._lock.lease_seconds > 0:
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            # a renewal still on its way must not hold up the release (it would get 404 then)
            self._thread.join(timeout=1.0)

    @property
    def renewing(self) -> bool:
        """Whether the lease is still being kept (False once the store said it is gone)."""
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                renewed = self._client.renew_lock(self._lock.id)
            except StoreError:
                continue  # the store is unreachable for now: the lease has turns to spare
            except RuntimeError:  # the client closed under a late renewal: gwctl is done
                return
            if renewed is None:
                return
