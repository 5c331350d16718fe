"""Pacing: the client keeps the request budget api.video announces and waits for a new window instead of
collecting 429 answers.

Every answer carries ``X-RateLimit-Limit`` (requests per window), ``X-RateLimit-Remaining`` and
``X-RateLimit-Retry-After`` (seconds until the window resets). The API counts uploads, writes and reads in
separate budgets; a request's budget is its ``bucket``. A route whose answers announce a different limit than
its bucket's is given a budget of its own, so a budget the API adds later is kept apart without a release of this
SDK. All threads using one client share its budgets; the budgets of other processes are theirs.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional

log = logging.getLogger("apivideo")
_NOT_PACED = ("", "auth")


class RateLimit(NamedTuple):
    """What the API last announced for one budget: ``limit`` requests per window, ``remaining`` in the current
    one (less the requests this client has in flight), and ``reset_at`` (``time.time()`` when it opens again)."""

    limit: int
    remaining: int
    reset_at: float

    @property
    def resets_in(self) -> float:
        """Seconds until the window resets (0 when it already has)."""
        return max(0.0, self.reset_at - time.time())


class _Budget:
    __slots__ = ("limit", "remaining", "reset_at", "announced")

    def __init__(self, limit: int, remaining: int, reset_at: float) -> None:
        self.limit, self.remaining, self.reset_at = limit, remaining, reset_at  # reset_at: monotonic clock
        self.announced = False  # whether a wait for this window was logged


class RateLimits:
    """The budgets of one client: ``wait_for(request)`` before each attempt, ``learn(request, headers)`` after each
    answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: Dict[str, _Budget] = {}
        self._routes: Dict[str, str] = {}  # route -> budget, for routes that announced a limit of their own

    def _key(self, request: Any) -> str:
        return self._routes.get(request.label) or str(request.bucket)

    def wait_for(self, request: Any, max_wait: float, sleep: Callable[[float], Any] = time.sleep) -> None:
        """Take one request from the request's budget, first waiting for the next window when it is spent. A wait
        longer than ``max_wait`` raises :class:`TooManyRequestsException` at once, without sending anything."""
        if not self._budgets or request.bucket in _NOT_PACED:
            return  # nothing announced yet: nothing to wait for
        key = self._key(request)
        while True:
            with self._lock:
                budget = self._budgets.get(key)
                if budget is None:
                    return
                now = time.monotonic()
                if now >= budget.reset_at and budget.remaining <= 0:
                    budget.remaining = budget.limit  # a new window: its real count comes with the next answer
                    budget.reset_at = now + 60.0
                    budget.announced = False
                if budget.remaining > 0:
                    budget.remaining -= 1
                    return
                wait = budget.reset_at - now
                first = not budget.announced
                budget.announced = True
                limit = budget.limit
            if wait > max_wait:
                from apivideo.exceptions import TooManyRequestsException

                raise TooManyRequestsException(
                    429,
                    f"the {key} rate limit ({limit} requests per window) is spent and resets in {wait:.1f} s, longer"
                    f" than the retry policy's max_retry_after ({max_wait:g} s); nothing was sent",
                    route=request.label, retry_after=wait,
                )  # fmt: skip
            if first:
                log.info("rate limit: the %s budget (%d per window) is spent; waiting %.1f s", key, limit, wait)
            # Spread the threads that wake together over a short moment instead of firing at once.
            until = time.monotonic() + wait
            sleep(wait + random.uniform(0.0, min(1.0, 0.05 * wait + 0.01)))
            if time.monotonic() < until:
                return  # the sleep was cut short (or is a test's stand-in): send, and let the server decide

    def learn(self, request: Any, headers: Mapping[str, str]) -> None:
        """Record what an answer announced about the request's budget."""
        if request.bucket in _NOT_PACED:
            return
        parsed = _parse(headers)
        if parsed is None:
            return
        limit, remaining, resets_in = parsed
        now = time.monotonic()
        with self._lock:
            key = self._key(request)
            budget = self._budgets.get(key)
            if budget is not None and budget.limit != limit:  # this route counts against another budget
                key = f"{request.bucket}/{limit}"
                self._routes[request.label] = key
                budget = self._budgets.get(key)
            reset_at = now + resets_in
            if budget is None:
                self._budgets[key] = _Budget(limit, remaining, reset_at)
            elif reset_at > budget.reset_at + 1.0:  # a new window began since the last answer
                budget.limit, budget.remaining, budget.reset_at, budget.announced = limit, remaining, reset_at, False
            else:  # answers of one window can arrive out of order: the lowest count is the truest
                budget.remaining = min(budget.remaining, remaining)
                budget.reset_at = reset_at

    def reopened(self, request: Any) -> None:
        """The caller waited out a 429's Retry-After: the request's window counts as open again."""
        with self._lock:
            budget = self._budgets.get(self._key(request))
            if budget is not None:
                budget.reset_at = min(budget.reset_at, time.monotonic())

    def snapshot(self) -> Dict[str, RateLimit]:
        """The budgets this client knows, by name (``read``, ``write``, ``upload``, or ``<bucket>/<limit>``)."""
        offset = time.time() - time.monotonic()
        with self._lock:
            return {k: RateLimit(b.limit, max(0, b.remaining), b.reset_at + offset) for k, b in self._budgets.items()}


def _parse(headers: Mapping[str, str]) -> Optional[tuple[int, int, float]]:
    announced, left = headers.get("X-RateLimit-Limit"), headers.get("X-RateLimit-Remaining")
    if announced is None or left is None:
        return None
    try:
        limit = int(announced)
        remaining = int(left)
        resets_in = float(headers.get("X-RateLimit-Retry-After") or 60.0)
    except (KeyError, TypeError, ValueError):
        return None
    if limit <= 0 or remaining < 0 or not 0 <= resets_in <= 3600:
        return None
    return limit, remaining, resets_in
