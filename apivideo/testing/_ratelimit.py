"""Rate limits as api.video documents them: a request budget per bucket, counted in a fixed window.

Every answer carries ``X-RateLimit-Limit`` (the bucket's budget per window), ``X-RateLimit-Remaining`` (what is left
of it in the current window) and ``X-RateLimit-Retry-After`` (seconds until the window resets). A bucket's window
opens with the first request counted in it and lasts ``window`` seconds; the next request after that opens a new one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

# Requests per window (one minute on api.video), by bucket.
PRODUCTION_RATE_LIMITS: Mapping[str, int] = {"upload": 100, "write": 200, "read": 500}
SANDBOX_RATE_LIMITS: Mapping[str, int] = {"upload": 40, "write": 40, "read": 100}

# The token exchanges report their bucket's figures but are neither counted nor refused: without a token no other
# request can be made, and a client must always be able to learn its budget.
UNCOUNTED = frozenset({("POST", "/auth/api-key"), ("POST", "/auth/refresh")})

Classifier = Callable[[str, str], str]


def rate_limit_bucket(method: str, path: str) -> str:
    """The bucket of a request: ``"upload"`` for video source uploads, ``"read"`` for GET, ``"write"`` otherwise.

    ``path`` is the request path without its query string, as sent.
    """
    method = method.upper()
    segs = path.split("/")
    if method == "POST" and (path == "/upload" or (len(segs) == 4 and segs[1] == "videos" and segs[3] == "source")):
        return "upload"
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    return "write"


class RateLimitConfigError(Exception):
    """The classifier failed, or named a bucket that has no limit."""


def _seconds(value: float, whole: bool) -> str:
    if whole:
        return str(max(1, math.ceil(value)))
    text = f"{math.ceil(value * 1000) / 1000:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "0") else "0.001"


class RateLimiter:
    """Counts requests per bucket in fixed windows; thread-safe, exact under any number of connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.limits: dict[str, int] = dict(PRODUCTION_RATE_LIMITS)
        self.window = 60.0
        self.enforce = False
        self.classifier: Classifier = rate_limit_bucket
        self._windows: dict[str, tuple[float, int]] = {}  # bucket -> (window start, requests counted)

    def configure(
        self,
        limits: Mapping[str, int] | None = None,
        window: float | None = None,
        enforce: bool | None = None,
        classifier: Classifier | None = None,
    ) -> None:
        if limits is not None:
            for name, limit in limits.items():
                if not isinstance(name, str) or isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                    raise ValueError(f"rate_limits: {name!r} must map to a whole number of requests >= 1")
        if window is not None and (isinstance(window, bool) or not window > 0 or math.isinf(window)):
            raise ValueError("rate_limit_window must be a positive number of seconds")
        if classifier is not None and not callable(classifier):
            raise TypeError("rate_limit_classifier must be a function of (method, path) returning a bucket name")
        with self._lock:
            if limits is not None:
                self.limits.update(limits)
            if window is not None and float(window) != self.window:
                self.window = float(window)
                self._windows.clear()
            if enforce is not None:
                self.enforce = bool(enforce)
            if classifier is not None:
                self.classifier = classifier

    def reset(self, limits: Mapping[str, int] | None = None) -> None:
        """Forget every window (all buckets start full); with ``limits``, they replace the current ones."""
        with self._lock:
            self._windows.clear()
            if limits is not None:
                self.limits = dict(limits)

    def admit(self, method: str, path: str) -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it may be served and the three headers of its answer."""
        try:
            bucket = self.classifier(method, path)
        except Exception as exc:  # a test's classifier failing must be told, not hang the client
            raise RateLimitConfigError(f"the rate-limit classifier failed on {method} {path}: {exc!r}") from exc
        counted = (method.upper(), path) not in UNCOUNTED
        with self._lock:
            now = time.monotonic()
            limit = self.limits.get(bucket) if isinstance(bucket, str) else None
            if limit is None:
                raise RateLimitConfigError(
                    f"the rate-limit classifier put {method} {path} in bucket {bucket!r}, which has no limit;"
                    f" give one with rate_limits={{{bucket!r}: N}}"
                )
            window = self.window
            start, used = self._windows.get(bucket, (now, 0))
            if now - start >= window:
                start, used = now, 0
            admitted = True
            if counted:
                if used >= limit and self.enforce:
                    admitted = False
                else:
                    used += 1
                self._windows[bucket] = (start, used)
            left = window - (now - start)  # exactly the window when it opens now
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Retry-After": _seconds(left, float(window).is_integer()),
        }
        return admitted, headers

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Per bucket: ``limit``, ``remaining`` and ``reset`` (seconds until the window ends) right now."""
        with self._lock:
            now = time.monotonic()
            out: dict[str, dict[str, float]] = {}
            for bucket, limit in self.limits.items():
                start, used = self._windows.get(bucket, (now, 0))
                left = self.window - (now - start)
                if left <= 0 or used == 0:  # no window open: a full one would start now
                    left, used = self.window, 0
                out[bucket] = {"limit": limit, "remaining": max(0, limit - used), "reset": left}
            return out
