"""`gwctl add`: a new account from the questions its provider's schema asks.

The schema says which fields there are, in which order, which values each accepts and which
credentials are secret; every answer is checked against it as it comes. The account file is
written in clear, the credentials only through sops (see secrets.encrypt_to_file): the
plaintext never touches the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gwctl.config.account_file import account_file_text, ensure_editor_schemas
from gwctl.config.checks import read_logo
from gwctl.config.layout import GATEWAYS_DIR
from gwctl.config.loader import SECRET_SUFFIX, load_config
from gwctl.config.secrets import encrypt_to_file
from gwctl.config.validate import validate
from gwctl.core.model import KEY_PATTERN, Secret
from gwctl.core.names import name_identity
from gwctl.core.problems import Problem
from gwctl.core.providers import Provider, load_providers
from gwctl.errors import GwctlError

# Fields a new account never has: it has no previous key, and its provider is given.
_NOT_ASKED = frozenset({"provider", "moved_from"})


class AddRefused(GwctlError):
    """The account cannot be added as asked; the message says what to give instead."""


@dataclass(frozen=True)
class Question:
    """One field to ask for, as the provider's schema describes it."""

    name: str
    title: str
    help: str
    required: bool
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    boolean: bool = False
    credential: bool = False
    hidden: bool = False  # a secret credential: read without echo, never shown

    @property
    def option(self) -> str:
        """The command-line option that answers it (credentials have none: see the CLI)."""
        return "--" + self.name.replace("_", "-")


def questions(provider: Provider) -> list[Question]:
    """The account fields, then the credentials, in the order the schema lists them."""
    required = set(provider.schema.get("required", ()))
    asked = [
        _question(name, provider.field_spec(name), name in required)
        for name in provider.account_fields
        if name not in _NOT_ASKED
    ]
    credentials_schema = provider.schema["$defs"]["credentials"]
    needed = set(credentials_schema.get("required", ()))
    for credential in provider.credentials:
        spec = provider.credential_spec(credential.name)
        asked.append(
            Question(
                credential.name,
                credential.title,
                _help(spec),
                credential.name in needed,
                credential=True,
                hidden=credential.secret,
            )
        )
    return asked


def _question(name: str, spec: Mapping[str, Any], required: bool) -> Question:
    choices = (
        tuple(spec["enum"]) if "enum" in spec else ((spec["const"],) if "const" in spec else ())
    )
    default = spec.get("default", choices[0] if len(choices) == 1 else None)
    return Question(
        name,
        str(spec.get("title", name)),
        _help(spec),
        required,
        choices=choices,
        default=default,
        boolean=spec.get("type") == "boolean",
    )


def _help(spec: Mapping[str, Any]) -> str:
    return str(spec.get("description", ""))


@dataclass
class NewAccount:
    """An account being added to the config repository at `root`, and the answers so far."""

    root: Path
    key: str
    provider: Provider
    taken_names: dict[str, str] = field(default_factory=dict)  # folded name -> its file
    fields: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Secret] = field(default_factory=dict)

    @property
    def account_path(self) -> Path:
        return self.root / GATEWAYS_DIR / f"{self.key}.yaml"

    @property
    def secret_path(self) -> Path:
        return self.root / GATEWAYS_DIR / f"{self.key}{SECRET_SUFFIX}"

    def check(self, question: Question, answer: str) -> str | None:
        """Why `answer` cannot be the value of `question`, or None when it can. Never
        quotes the answer: it may be a credential."""
        if answer == "":
            return f"{question.title} is required" if question.required else None
        if question.choices and answer not in question.choices:
            return f"choose one of: {', '.join(question.choices)}"
        if question.credential:
            violations = self.provider.validate_credentials({question.name: answer})
        else:
            violations = self.provider.validate_account({question.name: answer})
        messages = [v.message for v in violations if v.path[:1] == (question.name,)]
        if messages:
            return "; ".join(messages)
        return self._check_across_files(question.name, answer)

    def _check_across_files(self, name: str, answer: str) -> str | None:
        if name == "name" and name_identity(answer) in self.taken_names:
            return (
                f"Gateway Name '{answer}' is already used by "
                f"{self.taken_names[name_identity(answer)]} (names are compared ignoring case "
                "and spacing)"
            )
        if name == "logo":
            found = read_logo(self.root, self.account_path.parent / answer, answer)
            return found[0] if isinstance(found, tuple) else None
        return None

    def answer(self, question: Question, value: str | bool) -> None:
        """Record a checked answer; an empty optional one leaves the field out."""
        if question.credential:
            self.credentials[question.name] = Secret(str(value))
        elif value not in ("", False):  # false is what an absent `protect` means
            self.fields[question.name] = value


def start(root: Path, provider_id: str, key: str) -> NewAccount:
    """A new account `key` of `provider_id` in the repository at `root`, or AddRefused."""
    providers = load_providers()
    provider = providers.get(provider_id)
    if provider is None:
        raise AddRefused(
            f"unknown provider {provider_id!r}: use one of "
            f"{', '.join(sorted(providers))} (see `gwctl providers`)"
        )
    if not KEY_PATTERN.match(key):
        raise AddRefused(
            f"{key!r} cannot be an account key: 1 to 63 lowercase letters, digits "
            "and '-', starting and ending with a letter or digit, e.g. twilio-us"
        )
    if not (root / GATEWAYS_DIR).is_dir():
        raise AddRefused(
            f"{root} has no {GATEWAYS_DIR}/: run `gwctl init` first, or pass the "
            "config repository with -C"
        )
    new = NewAccount(root, key, provider)
    existing = [path for path in (new.account_path, new.secret_path) if path.exists()]
    if existing:
        raise AddRefused(
            f"{GATEWAYS_DIR}/{existing[0].name} already exists: choose another "
            "key, or edit that file"
        )
    config = load_config(root)
    new.taken_names = {
        name_identity(loaded.account.name): loaded.account.account_file
        for loaded in config.accounts
    }
    return new


Ask = Callable[[Question, NewAccount], "str | bool"]


def collect(new: NewAccount, given: Mapping[str, str | bool], ask: Ask | None) -> None:
    """Answer every question from `given` (options, credentials from stdin or environment
    variables), else by `ask` (a terminal), else by its default; AddRefused lists every
    answer that is wrong or missing at once."""
    asked = questions(new.provider)
    unknown = sorted(set(given) - {question.name for question in asked})
    wrong = [f"{name}: not a field of a {new.provider.company_name} account" for name in unknown]
    missing = []
    for question in asked:
        if question.name in given:
            value = given[question.name]
            problem = None if isinstance(value, bool) else new.check(question, value)
            if problem:
                wrong.append(f"{_source(question)}: {problem}")
                continue
        elif ask is not None:
            value = ask(question, new)
        elif question.default is not None:
            value = question.default
        elif question.required:
            missing.append(_source(question))
            continue
        else:
            continue
        new.answer(question, value)
    if missing:
        wrong.append(
            f"missing {', '.join(missing)}: there is no terminal to ask on, so pass them "
            "(credentials with --credential-env FIELD=VARIABLE or --credentials-stdin)"
        )
    if wrong:
        raise AddRefused("; ".join(wrong))


def _source(question: Question) -> str:
    return f"credential {question.name}" if question.credential else question.option


@dataclass(frozen=True)
class Added:
    files: tuple[str, ...]  # as written, relative to the repository root
    problems: tuple[Problem, ...]  # what validate says of the repository afterwards


def write(new: NewAccount) -> Added:
    """Write the secret file (through sops), the account file and any missing editor schema,
    then validate the repository. If the new files have an error, what was written goes."""
    encrypt_to_file(new.credentials, new.secret_path, new.root)
    new.credentials.clear()  # the plaintext is needed no longer
    new.account_path.write_text(account_file_text(new.provider.id, new.fields), encoding="utf-8")
    schemas = ensure_editor_schemas(new.root)
    ours = {f"{GATEWAYS_DIR}/{new.account_path.name}", f"{GATEWAYS_DIR}/{new.secret_path.name}"}
    problems = validate(new.root).problems
    refused = [str(problem) for problem in problems if problem.is_error and problem.file in ours]
    if refused:
        for path in (new.account_path, new.secret_path, *(new.root / s for s in schemas)):
            path.unlink()
        raise AddRefused("\n".join(refused))
    return Added((*schemas, *sorted(ours)), tuple(problems))
