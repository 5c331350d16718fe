"""Threads that run only the SDK's own code leave the process's signals to the threads of the application.

A signal sent to a process is handled by whichever of its threads does not block it. If one of the SDK's threads
takes a Ctrl-C, the main thread's blocking call (``input()``, a read of standard input, a ``join``) is not
interrupted, and the Ctrl-C waits for that call to return. So the timeout watchdog and the command line's upload
workers block every signal but those of a fault in their own code; Python still runs the handlers, in the main
thread, as always.

Threads that run the caller's code (progress listeners on upload parts, ``async_req`` calls and their hooks,
``upload_files`` callbacks) keep the caller's mask: a process started from them inherits the mask of the thread
that starts it, and one started with SIGTERM blocked could not be terminated.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator, Optional, Set

_FAULTS = {
    getattr(signal, name, None) for name in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGTRAP", "SIGSYS")
}
_CAN_MASK = hasattr(signal, "pthread_sigmask")


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Block the signals in the calling thread for the block's duration; a signal that arrives meanwhile is
    delivered when it ends. A thread started inside inherits the mask."""
    if not _CAN_MASK:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - _FAULTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start(thread: threading.Thread) -> threading.Thread:
    """Start ``thread`` deaf to the process's signals."""
    with signals_held():
        thread.start()
    return thread


def current_mask() -> Optional[Set[int]]:
    """The calling thread's signal mask (None where there are no masks)."""
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, ())) if _CAN_MASK else None


def set_mask(mask: Optional[Set[int]]) -> None:
    """Give the calling thread ``mask`` (one :func:`current_mask` returned)."""
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
