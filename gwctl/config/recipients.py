"""Whether each secret file is encrypted to exactly the people `.sops.yaml` names for it.

sops writes each file's recipients into its metadata in clear, so this needs no key: a file
encrypted to someone the rules do not name (or missing someone they do) is found at
`validate`, not by the teammate or CI job that cannot decrypt it at apply. Only age and PGP
recipients are compared; a rule with `key_groups` or cloud KMS keys is left to sops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gwctl.config.strict_yaml import Document
from gwctl.core.problems import Problem

SOPS_CONFIG = ".sops.yaml"
_KINDS = (("age", "recipient"), ("pgp", "fp"))  # rule key, metadata entry's field


@dataclass(frozen=True)
class CreationRule:
    path_regex: re.Pattern[str] | None  # None: the rule matches every file
    recipients: Mapping[str, frozenset[str]]  # by kind (age, pgp)


def read_creation_rules(root: Path) -> list[CreationRule] | None:
    """The comparable rules of `root/.sops.yaml`; None when there is none to compare with
    (no file, not readable as sops reads it, or rules this check does not cover)."""
    try:
        config = yaml.safe_load((root / SOPS_CONFIG).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None  # sops reports its own configuration's problems
    rules = config.get("creation_rules") if isinstance(config, dict) else None
    if not isinstance(rules, list):
        return None
    parsed = [_rule(rule) for rule in rules]
    return None if any(rule is None for rule in parsed) else [r for r in parsed if r]


def recipient_problems(rules: list[CreationRule], document: Document) -> list[Problem]:
    """Recipients the file's rule names but the file lacks, and ones it has beyond them."""
    rule = next(
        (r for r in rules if r.path_regex is None or r.path_regex.search(document.file)), None
    )
    metadata = document.data.get("sops")
    if rule is None or not isinstance(metadata, dict):
        return []
    problems = []
    for kind, field in _KINDS:
        wanted = rule.recipients.get(kind, frozenset())
        entries = metadata.get(kind) or []
        actual = {str(e.get(field)) for e in entries if isinstance(e, dict) and e.get(field)}
        missing, unexpected = sorted(wanted - actual), sorted(actual - wanted)
        if missing or unexpected:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"not named by {SOPS_CONFIG}: {', '.join(unexpected)}"] if unexpected else []
            problems.append(
                document.problem(
                    ("sops", kind) if kind in metadata else ("sops",),
                    f"encrypted to other {kind} recipients than {SOPS_CONFIG} names for this "
                    f"file ({'; '.join(parts)}): run `sops updatekeys {document.file}`",
                    "recipients",
                )
            )
    return problems


def _applies(rule: CreationRule, file: str) -> bool:
    return rule.path_regex is None or rule.path_regex.search(file) is not None


def _rule(rule: Any) -> CreationRule | None:
    if not isinstance(rule, dict) or "key_groups" in rule:
        return None
    if any(key in rule for key in ("kms", "gcp_kms", "azure_keyvault", "hc_vault_transit_uri")):
        return None
    pattern = rule.get("path_regex")
    try:
        compiled = re.compile(pattern) if isinstance(pattern, str) else None
    except re.error:
        return None
    recipients = {kind: _listed(rule.get(kind)) for kind, _ in _KINDS if rule.get(kind)}
    return CreationRule(compiled, recipients)


def _listed(value: Any) -> frozenset[str]:
    """A rule's recipients: a comma-separated string (sops' own form) or a list."""
    items = value if isinstance(value, list) else str(value).split(",")
    return frozenset(str(item).strip() for item in items if str(item).strip())
