"""The probe runner: where it may be called from."""

from __future__ import annotations

import asyncio

from gwctl.core.providers import load_providers
from gwctl.core.verify_probe import Probe, ProbeResult, run_probes
from tests.support.providers import ProviderServer


def test_probes_run_where_an_event_loop_already_runs(providers: ProviderServer) -> None:
    spec = load_providers()["infobip"].verify
    assert spec is not None
    request = spec.request_for({"api_key": "key-12345678", "secret_key": "s"}, providers.base_url)
    probe = Probe("infobip-eu", "infobip", spec, request)

    async def host() -> list[ProbeResult]:  # a host application's loop, or Playwright's
        return run_probes([probe])

    [result] = asyncio.run(host())

    assert (result.key, result.verdict) == ("infobip-eu", "verified")
