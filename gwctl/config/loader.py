"""Reads a config directory (`gateways.d/`) into accounts, collecting every problem found.

`gateways.d/<key>.yaml` is one account and `<key>` its stable identity;
`gateways.d/<key>.secret.yaml` holds its credentials, sops-encrypted. Nothing here needs the
decryption key, so a pull request from a fork validates too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gwctl.config import checks
from gwctl.config.layout import FINGERPRINT_KEY_FILE, GATEWAYS_DIR
from gwctl.config.recipients import CreationRule, read_creation_rules, recipient_problems
from gwctl.config.secrets import check_encrypted
from gwctl.config.strict_yaml import Document, load_bytes, read_limited
from gwctl.core.model import KEY_PATTERN, Account
from gwctl.core.problems import ConfigError, Problem
from gwctl.core.providers import Provider, load_providers

ACCOUNT_SUFFIX = ".yaml"
SECRET_SUFFIX = ".secret.yaml"  # noqa: S105 - a file name, not a password


@dataclass(slots=True)
class LoadedAccount:
    """An account that passed every check, with the documents it was read from (slimmed to
    the positions later problems point at: see _cross_file_positions, _credentials_only)."""

    account: Account
    provider: Provider
    document: Document
    secret_document: Document
    secret_path: Path


@dataclass
class LoadedConfig:
    root: Path
    accounts: list[LoadedAccount] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # every account file found in gateways.d/, valid or not, for checks of the files as such
    account_files: list[Path] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No errors (warnings do not make a configuration invalid)."""
        return not any(problem.is_error for problem in self.problems)


@dataclass
class _Files:
    """The account and secret files found in gateways.d/, by key."""

    accounts: dict[str, Path] = field(default_factory=dict)
    secrets: dict[str, Path] = field(default_factory=dict)
    # names of files present but refused (a symlink leaving the root, not a regular file):
    # already reported, so their partner file is not told that they are missing
    refused: set[str] = field(default_factory=set)
    # account files whose name is no valid key: reported, and their content checked too
    misnamed: list[Path] = field(default_factory=list)
    # .sops.yaml's creation rules, to check each secret file's recipients (None: not checked)
    rules: list[CreationRule] | None = None


def load_config(root: Path) -> LoadedConfig:
    """Load and check every account of a config directory; never raises for bad input."""
    result = LoadedConfig(root)
    gateways = root / GATEWAYS_DIR
    if not gateways.is_dir():
        result.problems.append(
            Problem(
                GATEWAYS_DIR,
                0,
                0,
                f"no {GATEWAYS_DIR}/ directory in "
                f"{root}: run gwctl in the config repository's root or "
                "pass it as an argument",
                "no_config",
            )
        )
        return result
    files = _discover(root, gateways, result.problems)
    files.rules = read_creation_rules(root)
    result.account_files = [files.accounts[key] for key in sorted(files.accounts)]
    providers = load_providers()
    logos: checks.LogoCache = {}  # accounts share logo files: read and hash each once
    for key in sorted(files.accounts):
        loaded = _load_account(root, key, files, providers, result.problems, logos)
        if loaded is not None:
            result.accounts.append(loaded)
    for path in files.misnamed:
        _check_misnamed(root, path, providers, result.problems, logos)
    result.problems.extend(checks.unique_names(result.accounts))
    result.problems.extend(checks.unique_moves(result.accounts))
    result.problems.sort()
    return result


def display_path(root: Path, path: Path) -> str:
    """A path as the user sees it in messages: relative to the config root."""
    text, prefix = str(path), f"{root}{os.sep}"
    if os.sep == "/" and text.startswith(prefix):  # what relative_to gives, 10x faster
        return text[len(prefix) :]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _discover(root: Path, gateways: Path, problems: list[Problem]) -> _Files:
    files = _Files()
    real_root = root.resolve()
    for entry in sorted(gateways.iterdir()):
        name = entry.name
        if (
            name.startswith(".")
            or name == FINGERPRINT_KEY_FILE
            or not name.endswith((".yaml", ".yml"))
        ):
            continue  # logos/, README.md, .gitkeep, the fingerprint key ...
        if name.endswith(".yml"):
            problems.append(
                Problem(
                    display_path(root, entry),
                    0,
                    0,
                    f"account files end in '.yaml': rename it to '{name[:-4]}.yaml'",
                    "extension",
                )
            )
            continue
        if entry.is_symlink() and not _stays_inside(entry, real_root):
            problems.append(
                Problem(
                    display_path(root, entry),
                    0,
                    0,
                    "symlink points outside "
                    "the config directory or loops: copy the file in instead",
                    "symlink_escape",
                )
            )
            files.refused.add(name)
            continue
        if not entry.is_file():
            problems.append(
                Problem(display_path(root, entry), 0, 0, "not a regular file", "not_file")
            )
            files.refused.add(name)
            continue
        is_secret = name.endswith(SECRET_SUFFIX)
        key = name[: -len(SECRET_SUFFIX if is_secret else ACCOUNT_SUFFIX)]
        if not KEY_PATTERN.match(key):
            problems.append(
                Problem(
                    display_path(root, entry),
                    0,
                    0,
                    f"'{key}' is not a valid "
                    "account key: use 1 to 63 lowercase letters, digits and '-',"
                    " starting and ending with a letter or digit (e.g. "
                    "'infobip-eu')",
                    "bad_key",
                )
            )
            if not is_secret:
                files.misnamed.append(entry)
            continue
        (files.secrets if is_secret else files.accounts)[key] = entry
    for key in sorted(set(files.secrets) - set(files.accounts)):
        if f"{key}{ACCOUNT_SUFFIX}" in files.refused:
            continue
        display = display_path(root, files.secrets[key])
        problems.append(
            Problem(
                display,
                0,
                0,
                f"secret file without an account file: create "
                f"{GATEWAYS_DIR}/{key}.yaml or delete this file",
                "orphan_secret",
            )
        )
    return files


def _stays_inside(link: Path, real_root: Path) -> bool:
    """Whether a symlink resolves to a place inside the config root (a loop does not)."""
    try:
        return link.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13
        return False


def _load_account(
    root: Path,
    key: str,
    files: _Files,
    providers: dict[str, Provider],
    problems: list[Problem],
    logos: checks.LogoCache | None = None,
) -> LoadedAccount | None:
    path = files.accounts[key]
    display = display_path(root, path)
    found_before = len(problems)
    document, digest = _read(path, display, problems)
    provider = _provider_of(document, providers, problems) if document else None
    if document is not None and provider is not None:
        problems.extend(_schema_problems(document, provider))
    secret = _load_secret(root, key, files, provider, display, problems)
    if document is None or provider is None:
        return None
    # checked whatever else is wrong (a missing secret file, a bad field): one run, every problem
    logo = checks.load_logo(root, path, document, problems, logos)
    if len(problems) > found_before or secret is None:
        return None
    secret_document, secret_path, secret_digest = secret
    return LoadedAccount(
        account=_account(
            key, document.data, logo, display, digest, secret_document.file, secret_digest
        ),
        provider=provider,
        document=_cross_file_positions(document),
        secret_document=secret_document,
        secret_path=secret_path,
    )


def _check_misnamed(
    root: Path,
    path: Path,
    providers: dict[str, Provider],
    problems: list[Problem],
    logos: checks.LogoCache,
) -> None:
    """An account file whose name is no valid key (reported by `_discover`): its content is
    checked too, so that renaming it is not followed by a second round of errors."""
    display = display_path(root, path)
    document, _ = _read(path, display, problems)
    provider = _provider_of(document, providers, problems) if document else None
    if document is not None and provider is not None:
        problems.extend(_schema_problems(document, provider))
        checks.load_logo(root, path, document, problems, logos)


def _schema_problems(document: Document, provider: Provider) -> list[Problem]:
    return [
        document.problem(
            v.path,
            v.message,
            v.code,
            prefer_key=v.code in ("unknown_field", "credential_in_account"),
        )
        for v in provider.validate_account(document.data)
    ]


def _read(path: Path, display: str, problems: list[Problem]) -> tuple[Document | None, str]:
    try:
        data = read_limited(path, display)
        return load_bytes(data, display), "sha256:" + hashlib.sha256(data).hexdigest()
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None, ""


def _provider_of(
    document: Document, providers: dict[str, Provider], problems: list[Problem]
) -> Provider | None:
    provider_id = document.data.get("provider")
    known = ", ".join(sorted(providers))
    if provider_id is None:
        problems.append(
            document.problem(
                (), f"missing required field 'provider' (Company Name): one of {known}", "missing"
            )
        )
        return None
    provider = providers.get(provider_id) if isinstance(provider_id, str) else None
    if provider is None:
        problems.append(
            document.problem(
                ("provider",),
                f"unknown provider: use one of {known} (see `gwctl providers`)",
                "unknown_provider",
            )
        )
    return provider


def _load_secret(
    root: Path,
    key: str,
    files: _Files,
    provider: Provider | None,
    account_display: str,
    problems: list[Problem],
) -> tuple[Document, Path, str] | None:
    path = files.secrets.get(key)
    if path is None and f"{key}{SECRET_SUFFIX}" in files.refused:
        return None
    if path is None:
        secret_name = f"{GATEWAYS_DIR}/{key}{SECRET_SUFFIX}"
        problems.append(
            Problem(
                account_display,
                0,
                0,
                f"no secret file {secret_name}: create "
                f"it with `sops {secret_name}` (see README: Secrets)",
                "missing_secret",
            )
        )
        return None
    display = display_path(root, path)
    document, digest = _read(path, display, problems)
    if document is None or provider is None:
        return None
    structure = check_encrypted(document, provider.credential_names)
    problems.extend(
        document.problem(p.path, p.message, p.code, prefer_key=p.prefer_key) for p in structure
    )
    if files.rules is not None and not structure:
        problems.extend(recipient_problems(files.rules, document))
    return (_credentials_only(document), path, digest) if not structure else None


def _credentials_only(document: Document) -> Document:
    """What later problems about a secret file need once it passed its checks: where its
    credential values stand. The decrypted values' checks point only at them (or at the
    file), never by key; the sops metadata and the encrypted values are dropped."""
    return Document(
        document.file,
        {},
        {
            path: at
            for path, at in document.value_positions.items()
            if len(path) <= 1 and path[:1] != ("sops",)
        },
    )


# The account file positions that problems found after loading an account point at: the
# checks across files (checks.unique_names, checks.unique_moves).
_CROSS_FILE_PATHS: tuple[tuple[str | int, ...], ...] = ((), ("name",), ("moved_from",))


def _cross_file_positions(document: Document) -> Document:
    """An account file's document once it passed its checks, slimmed to what the checks
    across files still point at: the data lives on in the Account, and the positions of
    every other key and value are never asked for again (a tenth of the memory)."""
    positions = document.value_positions
    return Document(
        document.file,
        {},
        {path: positions[path] for path in _CROSS_FILE_PATHS if path in positions},
    )


def _account(
    key: str,
    data: dict[str, Any],
    logo: Any,
    account_file: str,
    digest: str,
    secret_file: str,
    secret_digest: str,
) -> Account:
    return Account(
        key=key,
        provider=data["provider"],
        name=data["name"],
        status=data["status"],
        sending_pattern=data["sending_pattern"],
        fallback_sender_id=data["fallback_sender_id"],
        description=data.get("description"),
        signup_link=data.get("signup_link"),
        logo=logo,
        protect=bool(data.get("protect", False)),
        moved_from=data.get("moved_from"),
        account_file=account_file,
        secret_file=secret_file,
        account_digest=digest,
        secret_digest=secret_digest,
    )
