"""Every thread the SDK starts leaves the process's signals to the application's threads: a Ctrl-C taken by one of
them would not interrupt the main thread's blocking call (a read of standard input, ``input()``, a ``join``)."""

from __future__ import annotations

import signal
import threading
from typing import Dict, Set

import pytest
from _content import sample as _data
from _content import sha as _sha

from apivideo.api.videos_api import VideosApi
from apivideo.library import upload_files
from apivideo.model.video_creation_payload import VideoCreationPayload

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="thread signal masks are POSIX")
CHUNK = 5 * 1024 * 1024
CALLER_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _blocked_here() -> Set[int]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_parallel_upload_parts_run_on_threads_deaf_to_signals(emu, client):
    client.configuration.upload_concurrency = 3
    masks: Dict[str, Set[int]] = {}
    lock = threading.Lock()

    def listener(done: int, total: int) -> None:
        with lock:
            masks[threading.current_thread().name] = _blocked_here()

    data = _data(4 * CHUNK + 7, seed=11)
    videos = VideosApi(client)
    video_id = videos.create(VideoCreationPayload(title="parts")).video_id
    videos.upload(video_id, data, _progress_listener=listener)
    assert emu.source_sha256(video_id) == _sha(data)
    workers = {name: mask for name, mask in masks.items() if name.startswith("apivideo-upload-")}
    assert len(workers) >= 2, f"the middle parts did not run on threads of their own: {sorted(masks)}"
    for name, mask in workers.items():
        assert set(CALLER_SIGNALS) <= mask, f"{name} takes signals"
        assert signal.SIGSEGV not in mask, f"{name} would hide a crash of its own"
    assert not set(CALLER_SIGNALS) & _blocked_here(), "the calling thread must keep its mask"


def test_async_req_calls_run_on_threads_deaf_to_signals(emu, client):
    video_id = VideosApi(client).create(VideoCreationPayload(title="async")).video_id
    assert VideosApi(client).get(video_id, async_req=True).get(timeout=10).video_id == video_id
    mask = client.pool.submit(_blocked_here).result(timeout=10)  # a thread of the pool the call ran on
    assert set(CALLER_SIGNALS) <= mask
    assert not set(CALLER_SIGNALS) & _blocked_here()


def test_files_uploaded_side_by_side_run_on_threads_deaf_to_signals(emu, client, tmp_path):
    for i in range(3):
        (tmp_path / f"clip{i}.mp4").write_bytes(_data(1000 + i, seed=i))
    masks: Dict[str, Set[int]] = {}

    def on_result(result) -> None:
        masks[threading.current_thread().name] = _blocked_here()

    results = upload_files(client, [tmp_path], jobs=2, journal=False, on_result=on_result)
    assert [r.error for r in results] == [None, None, None]
    assert masks and all(name.startswith("apivideo-file") for name in masks), sorted(masks)
    for name, mask in masks.items():
        assert set(CALLER_SIGNALS) <= mask, f"{name} takes signals"
