"""gwctl.core.heap: the garbage-collector settings of the `gwctl` command, and only of it."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from gwctl.core import heap


@pytest.fixture
def restored_gc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    thresholds = gc.get_threshold()
    monkeypatch.setattr(heap, "_tuned", False)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_outside_the_command_settle_leaves_the_heap_alone(restored_gc: None) -> None:
    frozen = gc.get_freeze_count()

    heap.settle()

    assert gc.get_freeze_count() == frozen


def test_the_command_collects_young_objects_less_often_and_freezes_its_start_up_heap(
    restored_gc: None,
) -> None:
    heap.tune_for_command()

    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0


def test_the_command_still_collects_garbage_cycles(restored_gc: None) -> None:
    heap.tune_for_command()

    class Node:
        partner: object = None

    first, second = Node(), Node()
    first.partner, second.partner = second, first
    del first, second

    assert gc.collect() >= 2


def test_the_gwctl_entry_point_tunes_the_collector() -> None:
    script = (
        "import gc, sys; sys.argv = ['gwctl', '--version']\n"
        "from gwctl.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    assert completed.stdout.split()[-2:] == [str(heap.YOUNG_THRESHOLD), "True"]
