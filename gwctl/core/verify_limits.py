"""How hard `gwctl verify` may push providers: requests in flight, seconds per answer, and
retries after a 429. Its own module, free of imports, so that the command line can show
the defaults in `--help` without loading the HTTP client."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_JOBS = 8
DEFAULT_TIMEOUT = 10.0
MAX_ATTEMPTS = 3  # the first request and two retries after a 429
MAX_RETRY_WAIT = 30.0  # a longer Retry-After is reported, not waited for


@dataclass(frozen=True, slots=True)
class ProbeLimits:
    jobs: int = DEFAULT_JOBS
    timeout: float = DEFAULT_TIMEOUT  # seconds per request, from connecting to the last byte
    max_attempts: int = MAX_ATTEMPTS
    max_retry_wait: float = MAX_RETRY_WAIT
