"""Signals and the SDK's threads. The timeout watchdog runs only the SDK's own code and blocks the process's
signals, so a Ctrl-C is never taken by it (tested in test_deadlines.py). Threads that run the caller's code keep
the caller's mask: what a progress listener or a callback starts can be stopped. A Ctrl-C during a parallel upload
stops every part and leaves the upload resumable."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from typing import Dict, List

import pytest
from _content import sample as _data
from _content import sha as _sha

from apivideo.api.videos_api import VideosApi
from apivideo.library import upload_files
from apivideo.model.video_creation_payload import VideoCreationPayload

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
MIB = 1024 * 1024
CHUNK = 5 * MIB
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def ctrl_c():
    """Sends the main thread a real SIGINT, handled as Python does by default (KeyboardInterrupt)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    signal.signal(signal.SIGINT, previous)


def _terminated(proc: subprocess.Popen[bytes]) -> bool:
    """True when SIGTERM ended ``proc`` (a child that inherited SIGTERM blocked would ignore it)."""
    proc.terminate()
    try:
        return proc.wait(timeout=10) == -signal.SIGTERM
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def test_a_process_started_by_a_progress_listener_on_an_upload_part_can_be_terminated(emu, client):
    client.configuration.upload_concurrency = 3
    started: Dict[str, subprocess.Popen[bytes]] = {}
    lock = threading.Lock()

    def listener(done: int, total: int) -> None:
        name = threading.current_thread().name
        with lock:
            if name.startswith("apivideo-upload-") and name not in started:
                started[name] = subprocess.Popen(SLEEPER)

    data = _data(4 * CHUNK + 7, seed=11)
    videos = VideosApi(client)
    video_id = videos.create(VideoCreationPayload(title="parts")).video_id
    videos.upload(video_id, data, _progress_listener=listener)
    assert emu.source_sha256(video_id) == _sha(data)
    assert started, "the middle parts did not run on threads of their own"
    assert all(_terminated(proc) for proc in started.values())


def test_a_process_started_by_an_async_call_or_an_upload_files_callback_can_be_terminated(emu, client, tmp_path):
    assert _terminated(client.pool.submit(subprocess.Popen, SLEEPER).result(timeout=10))
    for i in range(3):
        (tmp_path / f"clip{i}.mp4").write_bytes(_data(1000 + i, seed=i))
    started: List[subprocess.Popen[bytes]] = []

    def on_result(result) -> None:
        if threading.current_thread() is not threading.main_thread():
            started.append(subprocess.Popen(SLEEPER))

    results = upload_files(client, [tmp_path], jobs=2, journal=False, on_result=on_result)
    assert [r.error for r in results] == [None, None, None]
    assert started and all(_terminated(proc) for proc in started)


def test_ctrl_c_during_parallel_parts_stops_every_part_and_the_upload_resumes(emu, client, ctrl_c):
    client.configuration.upload_concurrency = 3
    data = _data(8 * CHUNK + 5, seed=12)
    videos = VideosApi(client)
    video_id = videos.create(VideoCreationPayload(title="interrupted")).video_id
    interrupted: List[bool] = []

    def listener(done: int, total: int) -> None:
        if threading.current_thread().name.startswith("apivideo-upload-") and not interrupted:
            interrupted.append(True)
            ctrl_c()  # the calling thread is blocked in a join

    with pytest.raises(KeyboardInterrupt):
        videos.upload(video_id, data, _progress_listener=listener)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("apivideo-upload-")]
    sent = [r for r in emu.requests if r.path.endswith("/source")]
    assert len(sent) < 9, "the parts went on after the Ctrl-C"
    videos.upload(video_id, data, resume=True)
    assert emu.source_sha256(video_id) == _sha(data)


_HANDLER_CALLS = r"""
import os, signal, sys, threading
import apivideo
from apivideo._deadline import WATCHDOG
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration

host, key, video_id = sys.argv[1:4]
client = apivideo.AuthenticatedApiClient(key, configuration=Configuration(host=host))
VideosApi(client).get(video_id)
WATCHDOG.close(wait=True)  # no call under way: the next call starts the watchdog's thread again
answers = []
signal.signal(signal.SIGUSR1, lambda *_: answers.append(VideosApi(client).get(video_id).video_id))

def hook(*_):  # runs in the watchdog's new thread while the call that starts it waits for it to start
    if threading.current_thread().name == "apivideo-deadlines" and not answers:
        os.kill(os.getpid(), signal.SIGUSR1)

threading.setprofile(hook)
VideosApi(client).get(video_id)
threading.setprofile(None)
print(answers == [video_id])
"""


def test_a_signal_handler_may_call_the_sdk_while_the_watchdog_thread_starts(emu, client):
    """A signal held back while the watchdog's thread starts is handled as soon as it has started; a handler that
    makes a call of its own must not find the watchdog's lock held by the call it interrupted."""
    video_id = VideosApi(client).create(VideoCreationPayload(title="handler")).video_id
    run = subprocess.run(
        [sys.executable, "-c", _HANDLER_CALLS, emu.host, emu.api_key, video_id], capture_output=True, timeout=20
    )  # a deadlock would hang the child for good: the timeout ends the test
    assert (run.returncode, run.stdout.strip()) == (0, b"True"), run.stderr.decode()[-2000:]


def test_ctrl_c_during_upload_files_stops_the_uploads_under_way_and_the_journal_continues_them(
    emu, client, tmp_path, ctrl_c
):
    folder = tmp_path / "films"
    folder.mkdir()
    digests = {}
    for i in range(3):
        data = _data(2 * CHUNK + 100 + i, seed=20 + i)
        (folder / f"film{i}.mp4").write_bytes(data)
        digests[f"film{i}"] = _sha(data)
    journal = tmp_path / "journal"
    interrupted: List[bool] = []

    def listener(done: int, total: int) -> None:
        if done and not interrupted:
            interrupted.append(True)
            ctrl_c()  # the calling thread waits for the jobs

    with pytest.raises(KeyboardInterrupt):  # 8 MiB/s: without a stop, the two files under way take 2.5 s
        upload_files(client, [folder], jobs=2, journal=journal, _progress_listener=listener, max_bandwidth=8 * MIB)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("apivideo-file")]
    assert not [r for r in emu.requests if r.path.endswith("/source") and r.status == 201], "uploads went on"
    results = upload_files(client, [folder], jobs=2, journal=journal)
    assert [r.error for r in results] == [None, None, None]
    videos = VideosApi(client).list().data
    assert sorted(v.title for v in videos) == sorted(digests), "a video too many or missing"
    assert {v.title: emu.source_sha256(v.video_id) for v in videos} == digests
