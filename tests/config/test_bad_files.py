"""The bad-input corpus, one file per rule: each file in `bad/` is an account file with
exactly one thing wrong, and says on its second line where and what gwctl must report:

    # expect: LINE:COL: words of the message | more words

The test copies the file into a fresh config repository as `gateways.d/<case>.yaml`, next to
a valid secret file encrypted by real sops (so the account file is the only problem), runs
`gwctl validate`, and checks the one reported problem: its exact `file:line:col`, the words a
person needs to act on it, exit code 1, no traceback, and no planted secret in the output.
`@CANARY@` / `@CANARY_HEX@` in a file stand for planted credential values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.accounts import valid_credentials
from tests.support.canaries import CANARY, CANARY_HEX
from tests.support.cli import assert_clean
from tests.support.repos import ConfigDirFactory

BAD = Path(__file__).parent / "bad"
_EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.+)$", re.MULTILINE)
_PROVIDER = re.compile(rb"^provider: (infobip|clickatell|twilio)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class BadFile:
    key: str
    content: bytes
    line: int
    column: int
    fragments: tuple[str, ...]
    provider: str

    @property
    def location(self) -> str:
        return f"gateways.d/{self.key}.yaml:{self.line}:{self.column}"


def _read_case(path: Path) -> BadFile:
    content = path.read_bytes()
    content = content.replace(b"@CANARY@", CANARY.encode())
    content = content.replace(b"@CANARY_HEX@", CANARY_HEX.encode())
    expect = _EXPECT.search(content)
    assert expect is not None, f"{path.name} has no '# expect: LINE:COL: message' line"
    provider = _PROVIDER.search(content)
    return BadFile(
        key=path.stem,
        content=content,
        line=int(expect.group(1)),
        column=int(expect.group(2)),
        fragments=tuple(part.strip() for part in expect.group(3).decode().split(" | ")),
        # the secret file that goes with it: the account's provider, else any valid one
        provider=provider.group(1).decode() if provider else "infobip",
    )


CASES = [_read_case(path) for path in sorted(BAD.glob("*.yaml"))]


def test_the_corpus_has_at_least_forty_files_one_rule_each() -> None:
    assert len(CASES) >= 40
    assert len({case.key for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_bad_account_file_is_reported_at_its_exact_place(
    case: BadFile, config_dir: ConfigDirFactory
) -> None:
    repo = config_dir()
    repo.write_account(case.key, case.content)
    repo.write_secret(case.key, valid_credentials(case.provider))

    outcome = repo.validate()

    assert outcome.exit_code == 1, outcome.output
    assert_clean(outcome)
    lines = outcome.stdout.splitlines()
    assert lines[-1] == "1 problem in 1 file", outcome.stdout
    problem = lines[0]
    assert problem.startswith(case.location + ": "), f"expected {case.location}, got {problem}"
    for fragment in case.fragments:
        assert fragment in problem


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_bad_account_file_in_json_carries_the_same_location(
    case: BadFile, config_dir: ConfigDirFactory
) -> None:
    repo = config_dir()
    repo.write_account(case.key, case.content)
    repo.write_secret(case.key, valid_credentials(case.provider))

    outcome = repo.validate("--format", "json")

    assert outcome.exit_code == 1
    assert_clean(outcome)
    report = json.loads(outcome.stdout)
    assert report["valid"] is False
    [problem] = report["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (
        f"gateways.d/{case.key}.yaml",
        case.line,
        case.column,
    )
    assert problem["code"]


SUBPROCESS_CASES = [
    "duplicate-key",
    "python-object-tag",
    "infobip-secret-key-in-account",
    "not-utf-8",
    "twilio-with-batch",
]


@pytest.mark.parametrize("key", SUBPROCESS_CASES)
def test_bad_account_file_fails_the_installed_command_too(
    key: str, config_dir: ConfigDirFactory
) -> None:
    case = next(case for case in CASES if case.key == key)
    repo = config_dir()
    repo.write_account(case.key, case.content)
    repo.write_secret(case.key, valid_credentials(case.provider))

    outcome = repo.validate_subprocess()

    assert outcome.exit_code == 1
    assert_clean(outcome)
    assert outcome.stdout.startswith(case.location + ": ")
