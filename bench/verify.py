"""`gwctl verify` at scale: 1,000 accounts against a local provider server that answers each
request in 50 ms, with the default 8 requests in flight and serially, beside the time sops
alone takes to decrypt the same files (`gwctl validate --decrypt`).

The target (issue 14): verify ≤ decryption + 8 s. A serial run needs about 1,000 × 50 ms
= 50 s for the requests alone; the ratio serial/parallel shows the concurrency working,
and the server's count of requests in flight shows it bounded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bench import generate
from bench.measure import Measured, run
from tests.support.providers import PROVIDERS, ProviderServer

ACCOUNTS = 1000
ANSWER_DELAY_S = 0.05
BUDGET_OVER_DECRYPTION_S = 8.0


def verify_benchmark(pool: Path, work: Path, env: dict[str, str], gwctl: str) -> dict[str, Any]:
    """Wall seconds of decryption alone, of verify with 8 jobs and with 1, and the checks."""
    config = generate.config_dir(pool, work / "verify", ACCOUNTS)
    keys = [generate.account_key(index) for index in range(ACCOUNTS)]
    with ProviderServer(delay=ANSWER_DELAY_S) as server:
        base_urls = dict.fromkeys(PROVIDERS, server.base_url)
        (config / "gwctl.yaml").write_text(yaml.safe_dump({"verify": {"base_urls": base_urls}}))
        decrypt = _timed([gwctl, "-C", str(config), "validate", "--decrypt"], env)
        parallel = _verify(gwctl, config, keys, env, jobs=8)
        in_flight = server.max_in_flight
        serial = _verify(gwctl, config, keys, env, jobs=1)
    over = parallel.wall_s - decrypt.wall_s
    return {
        "accounts": ACCOUNTS,
        "answer_delay_s": ANSWER_DELAY_S,
        "decrypt_s": round(decrypt.wall_s, 2),
        "verify_jobs8_s": round(parallel.wall_s, 2),
        "verify_serial_s": round(serial.wall_s, 2),
        "max_in_flight": in_flight,
        "over_decryption_s": round(over, 2),
        "budget_over_decryption_s": BUDGET_OVER_DECRYPTION_S,
        "within_budget": over <= BUDGET_OVER_DECRYPTION_S,
        "serial_over_parallel": round(serial.wall_s / parallel.wall_s, 1),
    }


def summary(result: dict[str, Any]) -> str:
    verdict = "within" if result["within_budget"] else "OVER"
    return (
        f"verify {result['accounts']} accounts ({result['answer_delay_s'] * 1000:.0f} ms per "
        f"answer): decryption alone {result['decrypt_s']:.2f} s; 8 jobs "
        f"{result['verify_jobs8_s']:.2f} s (+{result['over_decryption_s']:.2f} s over "
        f"decryption, {verdict} the {result['budget_over_decryption_s']:.0f} s budget; "
        f"{result['max_in_flight']} in flight at most); serial {result['verify_serial_s']:.2f} s "
        f"({result['serial_over_parallel']}x the 8-job run)"
    )


def _verify(gwctl: str, config: Path, keys: list[str], env: dict[str, str], jobs: int) -> Measured:
    argv = [gwctl, "-C", str(config), "verify", "--format", "json", "--jobs", str(jobs), *keys]
    measured = _timed(argv, env)
    verified = json.loads(measured.stdout)["summary"]["verified"]
    if verified != len(keys):
        raise SystemExit(f"gwctl verify --jobs {jobs}: {verified} of {len(keys)} verified")
    return measured


def _timed(argv: list[str], env: dict[str, str]) -> Measured:
    measured = run(argv, env)
    if measured.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[:4])} ... exited {measured.returncode}: "
            f"{measured.stderr.decode(errors='replace')[-2000:]}"
        )
    return measured
