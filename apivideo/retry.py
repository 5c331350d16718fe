"""When to retry a request, and how long to wait first."""

from __future__ import annotations

import random
from typing import Any, Mapping, Optional

RETRYABLE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RetryPolicy:
    """How hard to try: ``max_retries`` extra attempts (0 disables), exponential backoff with jitter between
    ``backoff`` and ``max_backoff`` seconds, a 429 wait honoured up to ``max_retry_after`` seconds, and no retry
    that would start after ``max_elapsed`` seconds from the first attempt. Immutable: ``with_()`` makes a copy.

    (A plain class rather than a dataclass: importing ``dataclasses`` costs more than the rest of this module.)
    """

    __slots__ = ("max_retries", "backoff", "max_backoff", "max_retry_after", "max_elapsed")
    max_retries: int
    backoff: float
    max_backoff: float
    max_retry_after: float
    max_elapsed: float

    def __init__(
        self,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 60.0,
        max_elapsed: float = 120.0,
    ) -> None:
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        values = {"backoff": backoff, "max_backoff": max_backoff, "max_retry_after": max_retry_after,
                  "max_elapsed": max_elapsed}  # fmt: skip
        for name, value in values.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        object.__setattr__(self, "max_retries", max_retries)
        for name, value in values.items():
            object.__setattr__(self, name, float(value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"RetryPolicy is immutable; use with_({name}=...) for a changed copy")

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RetryPolicy) and self._asdict() == other._asdict()

    def __hash__(self) -> int:
        return hash(tuple(self._asdict().values()))

    def __repr__(self) -> str:
        return "RetryPolicy(" + ", ".join(f"{k}={v!r}" for k, v in self._asdict().items()) + ")"

    def __reduce__(self) -> Any:  # pickling goes through the constructor: the attributes cannot be set
        return RetryPolicy, tuple(self._asdict().values())

    def with_(self, **changes: Any) -> RetryPolicy:
        """A copy with some settings changed."""
        unknown = set(changes) - set(self.__slots__)
        if unknown:
            raise TypeError(f"RetryPolicy has no setting {sorted(unknown)[0]!r}")
        return RetryPolicy(**{**self._asdict(), **changes})

    def backoff_delay(self, retry_number: int, rand: float) -> float:
        """Delay before retry number ``retry_number`` (0-based); ``rand`` in [0, 1) scales it into [0.5, 1]."""
        return float(min(self.max_backoff, self.backoff * 2.0**retry_number) * (0.5 + rand / 2))


def as_policy(value: Any, name: str = "retries") -> RetryPolicy:
    """A :class:`RetryPolicy` from a policy, an int (the number of retries; 0 disables them) or None (default)."""
    if value is None:
        return RetryPolicy()
    if isinstance(value, RetryPolicy):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return RetryPolicy(max_retries=value)
    from apivideo.exceptions import ApiValueError

    raise ApiValueError(f"{name} must be a RetryPolicy or an int >= 0, got {value!r}")


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
