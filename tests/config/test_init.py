"""`gwctl init`: a config repository that works, for the recipients given, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.age import AgeIdentity
from tests.support.cli import invoke

EXPECTED = (
    ".sops.yaml",
    "gwctl.yaml",
    ".gitignore",
    "schema/common.schema.json",
    "schema/twilio.schema.json",
    "schema/gwctl.schema.json",
)


def test_init_makes_a_repository_that_validates(tmp_path: Path, sops_env: AgeIdentity) -> None:
    outcome = invoke("init", tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "gateways.d").is_dir()
    for name in EXPECTED:
        assert (tmp_path / name).is_file(), name
    assert invoke("validate", tmp_path).exit_code == 0


def test_init_encrypts_to_the_identity_in_sops_age_key_file(
    tmp_path: Path,
    sops_env: AgeIdentity,
) -> None:
    invoke("init", tmp_path)
    rules = yaml.safe_load((tmp_path / ".sops.yaml").read_text())
    assert rules["creation_rules"][0]["age"] == sops_env.public_key


def test_init_encrypts_to_exactly_the_recipients_given(
    tmp_path: Path,
    age_identity: AgeIdentity,
    other_age_identity: AgeIdentity,
    no_sops_key: None,
) -> None:
    outcome = invoke(
        "init", tmp_path, "--age", age_identity.public_key, "--age", other_age_identity.public_key
    )
    assert outcome.exit_code == 0, outcome.output
    rules = yaml.safe_load((tmp_path / ".sops.yaml").read_text())
    assert rules["creation_rules"][0]["age"] == (
        f"{age_identity.public_key},{other_age_identity.public_key}"
    )


def test_init_refuses_a_recipient_that_is_not_an_age_key(tmp_path: Path, no_sops_key: None) -> None:
    outcome = invoke("init", tmp_path / "repo", "--age", "age1notakey")
    assert outcome.exit_code == 1
    assert "is not an age public key" in outcome.stderr
    assert not (tmp_path / "repo").exists()


def test_init_without_an_identity_says_to_pass_age(tmp_path: Path, no_sops_key: None) -> None:
    outcome = invoke("init", tmp_path / "repo")
    assert outcome.exit_code == 1
    assert "pass --age age1" in outcome.stderr


def test_init_writes_nothing_when_a_file_exists(tmp_path: Path, sops_env: AgeIdentity) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("mine\n")
    outcome = invoke("init", root)
    assert outcome.exit_code == 1
    assert "already has .gitignore" in outcome.stderr
    assert (root / ".gitignore").read_text() == "mine\n"
    assert sorted(path.name for path in root.iterdir()) == [".gitignore"]


@pytest.mark.parametrize(
    ("kind", "path"), [("github", ".github/workflows/gateways.yaml"), ("gitlab", ".gitlab-ci.yml")]
)
def test_init_writes_the_ci_files_asked_for(
    tmp_path: Path, sops_env: AgeIdentity, kind: str, path: str
) -> None:
    outcome = invoke("init", tmp_path, "--ci", kind)
    assert outcome.exit_code == 0, outcome.output
    assert "gwctl" in (tmp_path / path).read_text()


def test_init_writes_gwctl_yaml_pointing_its_editor_at_the_schema(
    tmp_path: Path, sops_env: AgeIdentity
) -> None:
    assert invoke("init", tmp_path).exit_code == 0

    first_line = (tmp_path / "gwctl.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=schema/gwctl.schema.json"
    assert (tmp_path / "schema" / "gwctl.schema.json").is_file()
