"""Telling the SDK's threads from the emulator's own request handlers."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Set


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


def run_for_at_most(fn: Callable[[], Any], seconds: float) -> Dict[str, Any]:
    """Run ``fn`` in a daemon thread for at most ``seconds``: its ``result`` or ``error``, how long it took
    (``elapsed``), whether it was still running (``hung``), and the ``thread``."""
    out: Dict[str, Any] = {}

    def target() -> None:
        started = time.monotonic()
        try:
            out["result"] = fn()
        except BaseException as exc:
            out["error"] = exc
        out["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=target, name="deadline-guard", daemon=True)
    thread.start()
    thread.join(seconds)
    out["hung"] = thread.is_alive()
    out["thread"] = thread
    return out
