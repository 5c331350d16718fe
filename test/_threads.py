"""Telling the SDK's threads from the emulator's own request handlers."""

from __future__ import annotations

import threading
import time
from typing import Set


def is_emulator_thread(thread: threading.Thread) -> bool:
    """The emulator's own request-handler threads (named so on 3.10+, recognised by their target on 3.9)."""
    target = getattr(thread, "_target", None)
    return "process_request_thread" in thread.name or getattr(target, "__name__", "") == "process_request_thread"


def threads_left_since(before: Set[threading.Thread], grace: float = 1.0) -> Set[threading.Thread]:
    """The SDK's threads started since ``before`` that are still running ``grace`` seconds later at most (the
    emulator's request handlers left out). A closed client's timeout watchdog ends right after ``close()``
    returns, not during it."""
    new = {t for t in set(threading.enumerate()) - before if not is_emulator_thread(t)}
    deadline = time.monotonic() + grace
    for thread in new:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {t for t in new if t.is_alive()}
