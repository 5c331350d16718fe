"""What the worker processes of the scale phase run (``run.py --only scale``): the bulk upload of docs/scale-out.md,
one file per task, with a client made in the driver and received pickled."""

from __future__ import annotations

import os
import time
from typing import Any, Tuple


def ready(delay: float) -> int:
    """Import what a task needs, then hold the worker a moment so that every worker of the pool gets one."""
    import apivideo.library  # noqa: F401

    time.sleep(delay)
    return os.getpid()


def upload_one(client: Any, path: str) -> Tuple[str, str, float]:
    """(status, video id, CPU seconds this task used) of uploading one file unless a video already holds it."""
    from apivideo.library import upload_file

    c0 = time.process_time()
    with client:
        result = upload_file(client, path, journal=False, skip_existing=True)
    return result.status, str(result.video_id), time.process_time() - c0
