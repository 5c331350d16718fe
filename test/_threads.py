"""Telling the SDK's threads from the emulator's own request handlers."""

from __future__ import annotations

import threading


def is_emulator_thread(thread: threading.Thread) -> bool:
    """The emulator's own request-handler threads (named so on 3.10+, recognised by their target on 3.9)."""
    target = getattr(thread, "_target", None)
    return "process_request_thread" in thread.name or getattr(target, "__name__", "") == "process_request_thread"
