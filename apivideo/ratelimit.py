"""Pacing: the client keeps the request budget api.video announces and waits for a new window instead of
collecting 429 answers.

Every answer carries ``X-RateLimit-Limit`` (requests per window), ``X-RateLimit-Remaining`` and
``X-RateLimit-Retry-After`` (seconds until the window resets). The API counts uploads, writes and reads in
separate budgets; a request's budget is its ``bucket``. A route whose answers announce a different limit than
its bucket's is given a budget of its own, so a budget the API adds later is kept apart without a release of this
SDK. Two budgets that announce the same limit in one bucket cannot be told apart and are counted as one (the 429
safety net covers the rare surprise). All threads using one client share its budgets; other processes have their
own.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Tuple

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
    __slots__ = ("limit", "remaining", "reset_at", "window", "announced")

    def __init__(self, limit: int, remaining: int, reset_at: float, window: float) -> None:
        self.limit, self.remaining, self.reset_at = limit, remaining, reset_at  # reset_at: monotonic clock
        self.window = window  # the longest time-to-reset seen: about the window's length
        self.announced = False  # whether a wait for this window was logged


Key = Tuple[str, int]  # (bucket, limit): routes announcing the same limit in one bucket share a budget
_MAX_BUDGETS = 32
_ROOMY = 64  # a budget with more requests left than this is counted without taking the lock


class RateLimits:
    """The budgets of one client: ``wait_for(request)`` before each attempt, ``learn(request, headers)`` after each
    answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: Dict[Key, _Budget] = {}
        self._routes: Dict[str, Key] = {}  # route -> the budget its last answer named

    def _key(self, request: Any) -> Optional[Key]:
        """The budget of a request: the one its route's last answer named; for a route not answered yet, its
        bucket's budget when the bucket has only one (else it is not paced until its first answer)."""
        key = self._routes.get(request.label)
        if key is None:
            keys = [k for k in self._budgets if k[0] == request.bucket]
            key = keys[0] if len(keys) == 1 else None
        return key

    def wait_for(self, request: Any, max_wait: float, sleep: Callable[[float], Any] = time.sleep) -> None:
        """Take one request from the request's budget, first waiting for the next window when it is spent. A wait
        longer than ``max_wait`` raises :class:`TooManyRequestsException` at once, without sending anything."""
        if not self._budgets or request.bucket in _NOT_PACED:
            return  # nothing announced yet: nothing to wait for
        key = self._routes.get(request.label)
        budget = self._budgets.get(key) if key is not None else None
        if budget is not None and budget.remaining > _ROOMY:  # far from the limit: no lock for threads to share
            budget.remaining -= 1  # (a count off by one between threads is corrected by the next answer)
            return
        while True:
            with self._lock:
                key = self._key(request)
                budget = self._budgets.get(key) if key is not None else None
                if budget is None:
                    return
                now = time.monotonic()
                if now >= budget.reset_at and budget.remaining <= 0:
                    budget.remaining = budget.limit  # a new window: its real count comes with the next answer
                    budget.reset_at = now + budget.window
                    budget.announced = False
                if budget.remaining > 0:
                    budget.remaining -= 1
                    return
                wait = budget.reset_at - now
                first = not budget.announced
                limit = budget.limit
                if wait <= max_wait:
                    budget.announced = True
            assert key is not None
            name = self._name(key)
            if wait > max_wait:
                from apivideo.exceptions import TooManyRequestsException

                raise TooManyRequestsException(
                    429,
                    f"the {name} rate limit ({limit} requests per window) is spent and resets in {wait:.1f} s, longer"
                    f" than the retry policy's max_retry_after ({max_wait:g} s); nothing was sent",
                    route=request.label, retry_after=wait,
                )  # fmt: skip
            if first:
                log.info("rate limit: the %s budget (%d per window) is spent; waiting %.1f s", name, limit, wait)
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
        key = (str(request.bucket), limit)
        budget = self._budgets.get(key)
        if (
            budget is not None and remaining > _ROOMY and self._routes.get(request.label) == key
            and abs(now + resets_in - budget.reset_at) < 1.0
        ):  # fmt: skip
            budget.remaining = min(budget.remaining, remaining)  # far from the limit, same window: no lock
            return
        with self._lock:
            previous = self._routes.get(request.label)
            self._routes[request.label] = key
            if previous is not None and previous != key and previous not in self._routes.values():
                self._budgets.pop(previous, None)  # the limit changed: the old figures no longer apply
            budget = self._budgets.get(key)
            reset_at = now + resets_in
            if budget is None:
                if len(self._budgets) >= _MAX_BUDGETS:
                    self._forget_unused()
                self._budgets[key] = _Budget(limit, remaining, reset_at, max(resets_in, 0.1))
                return
            budget.window = max(budget.window, resets_in)
            margin = min(1.0, budget.window / 2)
            if reset_at > budget.reset_at + margin:  # a new window began since the last answer
                budget.remaining, budget.reset_at, budget.announced = remaining, reset_at, False
            elif reset_at >= budget.reset_at - margin:  # same window; answers arrive out of order: lowest is truest
                budget.remaining = min(budget.remaining, remaining)
                budget.reset_at = max(budget.reset_at, reset_at)
            # else: a late answer from a window that has already ended: it says nothing about this one

    def _forget_unused(self) -> None:
        used = set(self._routes.values())
        for key in [k for k in self._budgets if k not in used]:
            del self._budgets[key]
        if len(self._budgets) >= _MAX_BUDGETS:  # more routes with limits of their own than is sensible
            self._budgets.clear()
            self._routes.clear()

    def _name(self, key: Key) -> str:
        bucket, limit = key
        alone = sum(1 for k in self._budgets if k[0] == bucket) <= 1
        return bucket if alone else f"{bucket}/{limit}"

    def reopened(self, request: Any) -> None:
        """The caller waited out a 429's Retry-After: the request's window counts as open again."""
        with self._lock:
            key = self._key(request)
            budget = self._budgets.get(key) if key is not None else None
            if budget is not None:
                budget.reset_at = min(budget.reset_at, time.monotonic())

    def snapshot(self) -> Dict[str, RateLimit]:
        """The budgets this client knows, by name: ``read``, ``write``, ``upload``, or ``<bucket>/<limit>`` when
        routes of one bucket announced different limits."""
        offset = time.time() - time.monotonic()
        with self._lock:
            return {
                self._name(k): RateLimit(b.limit, max(0, b.remaining), b.reset_at + offset)
                for k, b in self._budgets.items()
            }


def _parse(headers: Mapping[str, str]) -> Optional[tuple[int, int, float]]:
    try:  # the two headers every answer of the API carries (a KeyError when one is missing)
        limit = int(headers["X-RateLimit-Limit"])
        remaining = int(headers["X-RateLimit-Remaining"])
        resets_in = float(headers.get("X-RateLimit-Retry-After") or 60.0)
    except (KeyError, TypeError, ValueError):
        return None
    if limit <= 0 or remaining < 0 or not 0 <= resets_in <= 3600:
        return None
    return limit, remaining, resets_in
