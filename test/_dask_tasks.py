"""What the Dask workers of test_dask.py run. A module of its own, so that a worker process imports only this and
the SDK (not pytest) to run a task."""

from __future__ import annotations

import os
import signal
import time

import distributed

from apivideo.library import upload_file

CHUNK = 5 * 1024 * 1024


def upload_task(client, path, kill_marker=None, twins=None, copy=0):
    """What a worker runs: upload one file unless a video already holds it.

    With ``kill_marker``, the worker process kills itself (SIGKILL, as a crash or an out-of-memory kill would) once,
    halfway through the file. With ``twins`` (a folder), this is one of two copies of the task, and it starts its
    upload only when the other copy is running too, so that both look for the file on api.video at the same moment.
    """
    options = {}
    if kill_marker is not None:

        def crash_once(done, total):
            if CHUNK < done < total:
                try:
                    os.close(os.open(kill_marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    return  # the task's second run: carry on
                os.kill(os.getpid(), signal.SIGKILL)

        options["_progress_listener"] = crash_once
    if twins is not None:
        _meet(twins, copy)
    with client:
        result = upload_file(client, path, journal=False, skip_existing=True, **options)
    return result.status, result.video_id


def _meet(folder, copy):
    """Return once both copies of a task have arrived here."""
    with open(os.path.join(folder, f"copy-{copy}"), "w"):
        pass
    other = os.path.join(folder, f"copy-{1 - copy}")
    if os.path.exists(other):
        return
    distributed.secede()  # while waiting, free the worker's thread: the other copy may be queued on this worker
    deadline = time.monotonic() + 60
    while not os.path.exists(other):
        if time.monotonic() > deadline:
            raise TimeoutError("the other copy of the task never started")
        time.sleep(0.002)
