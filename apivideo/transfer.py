"""What happens while an upload's bytes go out: progress at least once per MiB, cancellation, a bandwidth cap.

A :class:`Transfer` watches every part of one upload, whichever thread sends it. Multipart bodies call
:meth:`Transfer.before_block` before each 1 MiB block (a cancellation stops the upload there; the cap waits there)
and :meth:`Transfer.sent` after it; the upload calls :meth:`Transfer.acknowledged` when the server accepted a part.
Progress never goes back (a part sent again does not move it), and reaches the total only once the server has
acknowledged every byte.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Hashable, Optional

from apivideo.exceptions import OpenApiException

MIB = 1024 * 1024


class ContentDigest:
    """The SHA-256 of a file, computed from the bytes its upload sends, so it costs no extra read.

    ``hexdigest(size)`` is None unless the upload sent every byte once in order (``upload_concurrency`` 1, not
    resumed): blocks out of order, or sent again by a retry, are not hashed twice.
    """

    def __init__(self) -> None:
        import hashlib

        self._hash = hashlib.sha256()
        self._position = 0
        self._lock = threading.Lock()

    def feed(self, offset: int, block: bytes) -> None:
        with self._lock:
            if offset == self._position:
                self._hash.update(block)
                self._position += len(block)

    def hexdigest(self, size: int) -> Optional[str]:
        with self._lock:
            return self._hash.hexdigest() if self._position == size else None


class Cancelled(OpenApiException):
    """Raised inside a request body when the upload's cancel event is set (turned into an UploadCancelled)."""


class Transfer:
    """Progress, cancellation and bandwidth of one upload of ``total`` bytes (None: not known yet, a stream)."""

    def __init__(
        self,
        total: Optional[int],
        listener: Optional[Callable[[int, Optional[int]], Any]] = None,
        cancel: Any = None,
        max_bandwidth: Optional[float] = None,
        sleep: Callable[[float], Any] = time.sleep,
        digest: Optional[ContentDigest] = None,
    ) -> None:
        self.total = total
        self.listener = listener
        self.cancel = cancel
        self.rate = max_bandwidth
        self.sleep = sleep
        self.digest = digest
        self.failure: Optional[BaseException] = None  # what the progress listener raised
        self.acked = 0
        self.shown = 0
        self.reported = -1
        self.in_flight: Dict[Hashable, int] = {}
        self.fully_sent: set[Hashable] = set()  # parts whose every byte went out at least once
        self.resent: set[Hashable] = set()  # parts sent again after going out whole (their answer was lost)
        self.lock = threading.Lock()
        self.next_free = 0.0  # bandwidth cap: when the next byte may leave (monotonic clock)
        self.halted = False  # the caller gave up (Ctrl-C): every part stops at its next block

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and bool(self.cancel.is_set())

    def pause(self, seconds: float) -> None:
        """Wait; a cancellation ends the wait at once."""
        wait = getattr(self.cancel, "wait", None)
        if callable(wait):
            wait(seconds)
        else:
            self.sleep(seconds)
        self.check()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the upload was cancelled."""
        if self.halted or (self.cancel is not None and self.cancel.is_set()):
            raise Cancelled("the upload was cancelled")

    def halt(self) -> None:
        """Stop every part of this upload at its next block, as a cancellation does."""
        self.halted = True

    # -- called by request bodies --------------------------------------------------------------

    def begin(self, part: Hashable) -> None:
        """A part starts (or starts again): what it sent before no longer counts."""
        with self.lock:
            self.in_flight[part] = 0
            if part in self.fully_sent:
                self.resent.add(part)

    def before_block(self, offset: int, block: bytes) -> None:
        """Before ``block`` (at ``offset`` in the file) goes out: stop if cancelled, wait if the bandwidth cap says
        so, and hash it when a content digest is kept."""
        self.check()
        if self.rate:
            with self.lock:  # each block leaves at the end of its own slot, the first one too
                now = time.monotonic()
                self.next_free = max(self.next_free, now) + len(block) / self.rate
                leave = self.next_free
            if leave > now:
                self.pause(leave - now)
        if self.digest is not None:
            self.digest.feed(offset, block)

    def ended(self, part: Hashable) -> None:
        """Every byte of ``part`` went out (its answer may still be lost)."""
        with self.lock:
            self.fully_sent.add(part)

    def sent(self, part: Hashable, size: int) -> None:
        with self.lock:
            self.in_flight[part] = self.in_flight.get(part, 0) + size
            done = self.acked + sum(self.in_flight.values())
            if self.total is not None:
                done = min(done, self.total - 1)  # the total is reached only on acknowledgement
            self._show(done, final=False)

    # -- called by the upload ------------------------------------------------------------------

    def acknowledged(self, part: Hashable, size: int, total: Any = -1) -> None:
        """The server accepted ``size`` bytes of ``part``; ``total`` may now be known (the last part of a stream)."""
        with self.lock:
            self.in_flight.pop(part, None)
            self.acked += size
            if total != -1:
                self.total = total
            self._show(self.acked, final=True)

    def already_held(self, size: int) -> None:
        """Bytes the server held before this upload started (a resume): counted as done."""
        with self.lock:
            self.acked += size
            self.shown = max(self.shown, self.acked)

    def _show(self, done: int, final: bool) -> None:
        if done < self.shown:
            return
        self.shown = done
        if self.listener is None:
            return
        if final or done - self.reported >= MIB:
            self.reported = done
            try:
                self.listener(done, self.total)
            except Exception as exc:  # raised to the caller as it is, once the request is abandoned
                self.failure = exc
                raise Cancelled("the progress listener raised an error") from None
