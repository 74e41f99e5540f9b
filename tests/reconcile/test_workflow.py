"""gwctl.reconcile.workflow without click: a scripted Console answers, the embedded store of
the example repository is the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gwctl.cli.output.plan import plan_json
from gwctl.config.credentials import Progress
from gwctl.config.settings import Settings, load_settings
from gwctl.reconcile.apply import StalePlan
from gwctl.reconcile.plan import Plan
from gwctl.reconcile.workflow import APPLY_QUESTION, ApplyRequest, apply_changes, plan_changes
from gwctl.remote.client import StoreClient
from gwctl.remote.session import open_store
from tests.support.repos import ConfigRepo


@dataclass
class ScriptedConsole:
    """Answers every confirmation with `approve` and records what the workflow said."""

    approve: bool = False
    shown: list[Plan] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def progress(self, total: int) -> Progress:
        return lambda _done: None

    def show(self, plan: Plan) -> None:
        self.shown.append(plan)

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.approve

    def waiting(self, holder: str) -> None:
        raise AssertionError(f"nobody else holds the lock, yet it is held by {holder}")


def settings_of(repo: ConfigRepo) -> Settings:
    return load_settings(repo.root, None)


def live_keys(repo: ConfigRepo) -> list[str]:
    with open_store(settings_of(repo)) as client:
        return [gateway["key"] for gateway in client.gateways()]


def test_a_declined_confirmation_applies_nothing(repo: ConfigRepo) -> None:
    console = ScriptedConsole(approve=False)

    applied = apply_changes(settings_of(repo), ApplyRequest(), console)

    assert applied.outcome == "declined"
    assert console.questions == [APPLY_QUESTION]
    assert console.shown == [applied.plan]  # the plan was shown before the question
    assert applied.plan.count("create") == 4
    assert live_keys(repo) == []


def test_an_approved_plan_is_applied_in_one_changeset(repo: ConfigRepo) -> None:
    applied = apply_changes(settings_of(repo), ApplyRequest(), ScriptedConsole(approve=True))

    assert applied.outcome == "applied"
    assert applied.result is not None
    assert len(applied.result["results"]) == 4
    assert sorted(live_keys(repo)) == sorted(change.key for change in applied.plan.changes)


def test_auto_approve_asks_nothing(repo: ConfigRepo) -> None:
    console = ScriptedConsole(approve=False)

    applied = apply_changes(settings_of(repo), ApplyRequest(auto_approve=True), console)

    assert applied.outcome == "applied"
    assert console.questions == []


def test_a_stale_saved_plan_is_refused_before_anything_is_written(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    saved.write_text(plan_json(plan_changes(settings_of(repo), ScriptedConsole()).plan))
    repo.edit_account("twilio-us", status="inactive")  # the files moved on since the review
    console = ScriptedConsole(approve=True)

    with pytest.raises(StalePlan, match=r"files in gateways\.d/"):
        apply_changes(settings_of(repo), ApplyRequest(saved_plan=saved), console)

    assert console.shown == []  # refused before the plan was even shown
    assert console.questions == []
    assert live_keys(repo) == []


def test_the_store_is_opened_through_the_opener_given_with_the_saved_plans_id(
    repo: ConfigRepo, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    planned = plan_changes(settings_of(repo), ScriptedConsole())
    saved.write_text(plan_json(planned.plan))
    opened: list[str | None] = []

    @contextmanager
    def recording_opener(settings: Settings, plan_id: str | None) -> Iterator[StoreClient]:
        opened.append(plan_id)
        with open_store(settings, plan_id) as client:
            yield client

    request = ApplyRequest(saved_plan=saved)
    applied = apply_changes(settings_of(repo), request, ScriptedConsole(), opener=recording_opener)

    assert opened == [planned.plan.plan_id]  # the audit log ties the writes to the review
    assert applied.outcome == "applied"
