"""`gwctl.yaml`'s `verify:` section: where `gwctl verify` sends each provider's check.

    verify:
      base_urls:
        infobip: https://xxxxx.api.infobip.com   # your account's own Infobip host
    environments:
      staging:
        verify:
          base_urls:
            twilio: http://127.0.0.1:8089          # a sandbox on this machine

An environment's base URLs override the top level's, provider by provider. Every
environment's section is checked, whichever one a command uses.
"""

from __future__ import annotations

import re

from gwctl.config.settings_reader import URL_HOST, URL_PORT_AND_PATH, SettingsReader

SECTION = "verify"
_KEYS = {"base_urls"}
# What schema/gwctl.schema.json's base_url pattern says, stricter than check_base_url alone
# (which urlsplit reads leniently): a host of URL characters, an optional port and path.
BASE_URL = re.compile(
    rf"(https://{URL_HOST}|https?://(127\.0\.0\.1|localhost|\[::1\])){URL_PORT_AND_PATH}"
)
_BASE_URL_SHAPE = (
    "must be an https:// URL (plain http only for a server on this machine) of a host, "
    "an optional port and path, e.g. https://xxxxx.api.infobip.com"
)


def verify_base_urls(reader: SettingsReader, environment: str | None) -> dict[str, str]:
    """The base URL override of each provider for `environment` (None: the top level's);
    the problems of every verify section go to `reader`."""
    urls: dict[str, str] = {}
    names = list(reader.section(("environments",), None))
    for name, path in [(None, (SECTION,)), *((n, ("environments", n, SECTION)) for n in names)]:
        found = _section(reader, path)
        if name is None or name == environment:
            urls.update(found)
    return urls


def _section(reader: SettingsReader, path: tuple[str, ...]) -> dict[str, str]:
    if not reader.present(path):
        return {}
    reader.section(path, _KEYS)
    base_urls = reader.section((*path, "base_urls"), None)
    if not base_urls:
        return {}
    # loaded only when a verify section exists: most commands never need the schemas
    from gwctl.core.providers import load_providers
    from gwctl.core.verify_spec import check_base_url

    known = load_providers()
    urls = {}
    for provider, url in base_urls.items():
        where = (*path, "base_urls", provider)
        if provider not in known:
            names = ", ".join(sorted(known))
            message = f"unknown provider '{provider}'; known: {names}"
            reader.problem(where, message, "unknown_provider", prefer_key=True)
            continue
        reason = check_base_url(url) if isinstance(url, str) else "must be an https:// URL"
        if reason is None and not BASE_URL.fullmatch(url):
            reason = _BASE_URL_SHAPE
        if reason is not None:
            reader.problem(where, f"{provider}: {reason}", "invalid_url")
        else:
            urls[provider] = url
    return urls
