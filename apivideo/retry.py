"""When to retry a request, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Mapping, Optional

RETRYABLE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``max_retries`` extra attempts (0 disables), exponential backoff with jitter between
    ``backoff`` and ``max_backoff`` seconds, a 429 wait honoured up to ``max_retry_after`` seconds, and no retry
    that would start after ``max_elapsed`` seconds from the first attempt."""

    max_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    max_elapsed: float = 120.0

    def with_(self, **changes: float) -> RetryPolicy:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def backoff_delay(self, retry_number: int, rand: float) -> float:
        """Delay before retry number ``retry_number`` (0-based); ``rand`` in [0, 1) scales it into [0.5, 1]."""
        return float(min(self.max_backoff, self.backoff * 2.0**retry_number) * (0.5 + rand / 2))


def parse_retry_after(headers: Mapping[str, str]) -> Optional[float]:
    """Seconds to wait from ``X-RateLimit-Retry-After`` or ``Retry-After`` (seconds or an HTTP date)."""
    for name in ("X-RateLimit-Retry-After", "Retry-After"):
        raw = headers.get(name)
        if raw is None:
            continue
        raw = raw.strip()
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
        import time
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def retry_delay(
    policy: RetryPolicy,
    retry_number: int,
    *,
    status: Optional[int],
    retry_after: Optional[float],
    retry_safe: bool,
    elapsed: float,
    rand: Optional[float] = None,
) -> Optional[float]:
    """Seconds to wait before retrying, or None to give up.

    ``status`` is None for a connection error or timeout. ``retry_safe`` says whether sending the request again
    cannot duplicate anything (idempotent methods, upload chunks, or a request that never reached the server).
    """
    if retry_number >= policy.max_retries:
        return None
    r = random.random() if rand is None else rand
    if status == 429:
        delay = policy.backoff_delay(retry_number, r) if retry_after is None else retry_after
        if delay > policy.max_retry_after:
            return None
    elif (status is None or status in RETRYABLE_STATUSES) and retry_safe:
        delay = policy.backoff_delay(retry_number, r)
    else:
        return None
    if elapsed + delay > policy.max_elapsed:
        return None
    return delay
