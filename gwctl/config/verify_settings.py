"""`gwctl.yaml`'s `verify:` section: where `gwctl verify` sends each provider's check.

    verify:
      base_urls:
        infobip: https://xxxxx.api.infobip.com   # your account's own Infobip host
    environments:
      staging:
        verify:
          base_urls:
            twilio: http://127.0.0.1:8089          # a sandbox on this machine

An environment's base URLs override the top level's, provider by provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gwctl.config.strict_yaml import Document
from gwctl.core.problems import Problem

SECTION = "verify"
_KEYS = {"base_urls"}


def verify_base_urls(
    document: Document | None, environment: str | None
) -> tuple[dict[str, str], list[Problem]]:
    """The base URL override of each provider named, and the problems of the section(s)."""
    if document is None:
        return {}, []
    urls: dict[str, str] = {}
    problems: list[Problem] = []
    paths: list[tuple[str, ...]] = [(SECTION,)]
    if environment is not None:
        paths.append(("environments", environment, SECTION))
    for path in paths:
        section = _at(document.data, path)
        if section is None:
            continue
        found, found_problems = _section(document, path, section)
        urls.update(found)
        problems += found_problems
    return urls, problems


def _section(
    document: Document, path: tuple[str, ...], section: Any
) -> tuple[dict[str, str], list[Problem]]:
    if not isinstance(section, dict):
        return {}, [document.problem(path, "expected a mapping with base_urls", "type")]
    problems = [
        document.problem(
            path + (key,),
            f"unknown setting '{key}'; allowed: base_urls",
            "unknown_field",
            prefer_key=True,
        )
        for key in sorted(set(section) - _KEYS)
    ]
    base_urls = section.get("base_urls") or {}
    if not isinstance(base_urls, dict):
        return {}, [*problems, document.problem(path + ("base_urls",), _EXPECTED, "type")]
    # loaded only when a verify section exists: most commands never need the schemas
    from gwctl.core.providers import load_providers
    from gwctl.core.verify_spec import check_base_url

    known = load_providers()
    urls = {}
    for provider, url in base_urls.items():
        where = path + ("base_urls", provider)
        if provider not in known:
            names = ", ".join(sorted(known))
            problems.append(
                document.problem(
                    where,
                    f"unknown provider '{provider}'; known: {names}",
                    "unknown_provider",
                    prefer_key=True,
                )
            )
            continue
        reason = check_base_url(url) if isinstance(url, str) else "must be an https:// URL"
        if reason is not None:
            problems.append(document.problem(where, f"{provider}: {reason}", "invalid_url"))
        else:
            urls[provider] = url
    return urls, problems


_EXPECTED = "expected a mapping of provider to base URL (infobip: https://xxxxx.api.infobip.com)"


def _at(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
