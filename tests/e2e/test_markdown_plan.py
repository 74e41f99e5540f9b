"""The Markdown plan shows reviewers every change, whatever the files say: account files full of
HTML, comment markers, pipes, links and backticks (hostile_accounts/, applied as `before/`, then
changed to `after/`) are planned through the real CLI and rendered by a CommonMark renderer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gwctl.cli.output.markdown_text import visible
from gwctl.cli.output.plan import field_text
from gwctl.reconcile.plan import FieldChange
from tests.support.accounts import valid_credentials
from tests.support.age import AgeIdentity
from tests.support.markdown import Rendered, read_html, render
from tests.support.repos import ConfigDirFactory, ConfigRepo

CASES = Path(__file__).parent / "hostile_accounts"
# Every tag the rendered plan may hold: the renderer's own, none with an attribute (no link,
# no image, no script, no comment, no <details>).
ALLOWED_TAGS = {
    f"<{slash}{tag}>"
    for slash in ("", "/")
    for tag in ("h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "sub")
} | {"<br>"}


def use_files(repo: ConfigRepo, state: str) -> None:
    """Make gateways.d/ hold exactly the account files of `state`, each with a secret file
    (the same credentials each time: only the account files change)."""
    for old in repo.gateways.glob("*.yaml"):
        old.unlink()
    for source in sorted((CASES / state).glob("*.yaml")):
        shutil.copy(source, repo.gateways / source.name)
        provider = yaml.safe_load(source.read_text(encoding="utf-8"))["provider"]
        repo.write_secret(source.stem, valid_credentials(provider))


@pytest.fixture
def hostile_plan(
    config_dir: ConfigDirFactory,
    sops_env: AgeIdentity,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> tuple[str, dict[str, Any]]:
    """The Markdown plan from `before/` applied to `after/` (with --prune), and the same plan's
    JSON as `-o` saved it."""
    for name in ("GWCTL_STORE_URL", "GWCTL_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    repo = config_dir({})
    use_files(repo, "before")
    applied = repo.gwctl("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    use_files(repo, "after")
    saved = tmp_path / "plan.json"
    result = repo.gwctl("plan", "--prune", "--format", "markdown", "-o", str(saved))
    assert result.exit_code == 0, result.output
    plan: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
    return result.stdout, plan


@pytest.fixture
def rendered(hostile_plan: tuple[str, dict[str, Any]]) -> Rendered:
    return read_html(render(hostile_plan[0]))


def field_lines(change: dict[str, Any]) -> list[str]:
    """The change's fields as the text plan words them, as a reader sees them."""
    return [
        visible(field_text(FieldChange(**field), change["action"])) for field in change["fields"]
    ]


def test_the_hostile_plan_has_every_kind_of_change(hostile_plan: tuple[str, Any]) -> None:
    _, plan = hostile_plan

    assert plan["summary"] == {
        "create": 1,
        "update": 5,
        "rename": 1,
        "delete": 1,
        "unchanged": 0,
    }


def test_no_html_from_the_files_reaches_the_rendered_plan(
    hostile_plan: tuple[str, Any], rendered: Rendered
) -> None:
    html = render(hostile_plan[0])

    for marker in ("<!--", "<details", "<summary", "<img", "<script", "<a ", "href="):
        assert marker not in html
    assert 'href="javascript:' not in html
    assert set(rendered.tags) <= ALLOWED_TAGS


def test_the_table_has_one_row_of_six_cells_per_change(
    hostile_plan: tuple[str, Any], rendered: Rendered
) -> None:
    _, plan = hostile_plan

    assert len(rendered.rows) == len(plan["changes"])
    assert all(len(row) == 6 for row in rendered.rows)


def test_each_row_names_its_change(hostile_plan: tuple[str, Any], rendered: Rendered) -> None:
    _, plan = hostile_plan

    for row, change in zip(rendered.rows, plan["changes"], strict=True):
        key = f"{change['from_key']} → {change['key']}" if change["from_key"] else change["key"]
        assert row[1:5] == [change["action"], key, change["provider"], visible(change["name"])]


def test_every_changed_field_is_shown_with_its_old_and_new_value(
    hostile_plan: tuple[str, Any], rendered: Rendered
) -> None:
    _, plan = hostile_plan

    for row, change in zip(rendered.rows, plan["changes"], strict=True):
        assert row[5].split("\n") == field_lines(change) if change["fields"] else [""]
        for field in change["fields"]:
            assert field["field"] in row[5]
            for value in (field["old"], field["new"]):
                if value is not None:
                    assert visible(json.dumps(value, ensure_ascii=False)) in row[5]


def test_the_field_between_a_comment_opener_and_its_closer_is_shown(
    rendered: Rendered,
) -> None:
    [row] = [row for row in rendered.rows if row[2] == "comment-trap"]

    assert row[5].split("\n") == [
        'name: "Comment Trap" → "Comment Trap <!--"',
        'status: "active" → "inactive"',
        'description: "before <!-- a comment opened in the live value" → '
        '"closed here --> so the status change above was hidden"',
        'signup_link: "https://before.example/signup" → "https://after.example/-->"',
    ]


def test_every_value_the_files_change_is_in_the_rendered_text(rendered: Rendered) -> None:
    for source in sorted((CASES / "after").glob("*.yaml")):
        after = yaml.safe_load(source.read_text(encoding="utf-8"))
        before_file = CASES / "before" / f"{after.get('moved_from', source.stem)}.yaml"
        before = yaml.safe_load(before_file.read_text()) if before_file.exists() else {}
        for name, value in after.items():
            if name not in ("provider", "moved_from") and before.get(name) != value:
                assert visible(json.dumps(value)) in rendered.text, (source.name, name)
