"""Sink mode: the SHA-256 of an uploaded source without keeping it, whatever order its chunks arrive in.

A chunk that starts where the hash has reached (the *frontier*) is hashed while it streams in, into a copy of the
running hash. A chunk that arrives ahead of the frontier (parallel uploads) is kept aside until the frontier reaches
it, then hashed and dropped. Kept-aside bytes live in memory up to :data:`SINK_MEMORY_LIMIT` bytes in total (shared
by every upload of the process) and in anonymous temporary files beyond that, so memory stays bounded whatever the
concurrency; with ``k`` parallel chunks of ``c`` bytes, about ``(k - 1) * c`` bytes are kept aside at a time.

A range that is received again after it was hashed is not hashed again: the hash reflects its first copy.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from typing import Any

SINK_MEMORY_LIMIT = 256 * 1024 * 1024
_READ_BLOCK = 1024 * 1024


class _MemoryBudget:
    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> bool:
        with self._lock:
            if self.used + n > self.limit:
                return False
            self.used += n
            return True

    def give(self, n: int) -> None:
        with self._lock:
            self.used -= n


BUDGET = _MemoryBudget(SINK_MEMORY_LIMIT)


class HashTarget:
    """File bytes hashed as they arrive, into a copy of the running hash of everything before them."""

    data = None

    def __init__(self, hasher: Any, key: int) -> None:
        self.hasher = hasher
        self.key = key
        self.size = 0

    def write(self, b: Any) -> None:
        self.hasher.update(b)
        self.size += len(b)

    def release(self) -> None:
        pass


class SpoolTarget:
    """File bytes kept aside (in memory while the budget allows, then in a temporary file) to be hashed later."""

    data = None

    def __init__(self, key: int) -> None:
        self.key = key
        self.size = 0
        self._buf = bytearray()
        self._file: Any = None

    def write(self, b: Any) -> None:
        n = len(b)
        if self._file is None and BUDGET.take(n):
            self._buf += b
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by release())
                self._file.write(self._buf)
                BUDGET.give(len(self._buf))
                self._buf = bytearray()
            self._file.write(b)
        self.size += n

    def feed(self, hasher: Any) -> None:
        if self._file is None:
            hasher.update(self._buf)
            return
        self._file.seek(0)
        while True:
            block = self._file.read(_READ_BLOCK)
            if not block:
                return
            hasher.update(block)

    def release(self) -> None:
        BUDGET.give(len(self._buf))
        self._buf = bytearray()
        if self._file is not None:
            self._file.close()
            self._file = None


class SinkHasher:
    """The running SHA-256 of one source; ``key`` is a byte offset (ranges) or a part number (parts)."""

    def __init__(self, first_key: int) -> None:
        self._lock = threading.Lock()
        self._hasher = hashlib.sha256()
        self.frontier = first_key  # the key of the next piece to hash
        self._pending: dict[int, tuple[int, SpoolTarget]] = {}  # key -> (next key, kept-aside bytes)

    def target(self, key: int) -> HashTarget | SpoolTarget:
        with self._lock:
            if key == self.frontier:
                return HashTarget(self._hasher.copy(), key)
        return SpoolTarget(key)

    def add(self, target: Any, next_key: int) -> None:
        """Take in a received piece (the target it streamed into), hashing everything now contiguous."""
        with self._lock:
            if target.key == self.frontier:
                if isinstance(target, HashTarget):
                    self._hasher = target.hasher
                else:
                    target.feed(self._hasher)
                    target.release()
                self.frontier = next_key
            elif target.key > self.frontier and target.key not in self._pending and isinstance(target, SpoolTarget):
                self._pending[target.key] = (next_key, target)
                return
            else:  # already hashed, or a stale copy of the frontier's hash: nothing to add
                target.release()
                return
            while self.frontier in self._pending:
                following, spooled = self._pending.pop(self.frontier)
                spooled.feed(self._hasher)
                spooled.release()
                self.frontier = following

    def hexdigest(self, end_key: int) -> str | None:
        """The hash of the whole source if everything up to ``end_key`` was hashed, else None."""
        with self._lock:
            return self._hasher.hexdigest() if self.frontier == end_key else None

    def close(self) -> None:
        with self._lock:
            for _, spooled in self._pending.values():
                spooled.release()
            self._pending.clear()
