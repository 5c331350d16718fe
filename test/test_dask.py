"""A bulk upload across a Dask cluster of worker processes, against the emulator: every file ends in exactly one
video holding its exact bytes, even when two workers are given the same file and when a worker is killed in the
middle of an upload and its task runs again elsewhere.

The client is made here, in the test process, and travels to the workers pickled as a task argument; the files are
deduplicated through the content key the videos carry in their metadata (``skip_existing=True``), not through a
local journal, as they would be across machines.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import defaultdict

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.library import FINGERPRINT_KEY, content_key
from apivideo.pagination import paginate

distributed = pytest.importorskip("distributed", reason="Dask's distributed scheduler is not installed")
from _dask_tasks import CHUNK, upload_task  # noqa: E402  (imports distributed)

KIB, MIB = 1024, 1024 * 1024
FILES = 40
# Sizes: 150 KiB to 1.3 MiB, but for a few files of two or three chunks.
MULTI_CHUNK = {3: CHUNK + 300 * KIB, 17: 2 * CHUNK + 1, 26: 2 * CHUNK + 5, 38: CHUNK + MIB}
GIVEN_TWICE = {1, 3, 8, 17, 22, 30}
KILLED = 26  # its first attempt kills its own worker process after the first chunk was acknowledged


def _write_files(folder):
    paths, digests = [], {}
    for i in range(FILES):
        size = MULTI_CHUNK.get(i, 150 * KIB + i * 30 * KIB)
        data = os.urandom(size)
        path = str(folder / f"clip-{i:02d}.mp4")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
        digests[path] = hashlib.sha256(data).hexdigest()
    return paths, digests


def test_a_bulk_upload_across_dask_processes_ends_with_one_exact_video_per_file(emu, config, tmp_path, monkeypatch):
    # Worker processes inherit this process's "-B": they cannot write bytecode, so pointed at the suite's own
    # bytecode folder they would compile Dask from source at every start. The installed packages' bytecode is fine.
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    paths, digests = _write_files(tmp_path)
    kill_marker = str(tmp_path / "killed-once")
    client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
    with client:
        VideosApi(client).list()  # connected here: a token and a pooled socket that must not travel
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            memory_limit=None, silence_logs=logging.CRITICAL, local_directory=str(tmp_path / "dask"),
        )  # fmt: skip
        with cluster, distributed.Client(cluster) as dask:
            dask.wait_for_workers(2)
            workers = sorted(dask.scheduler_info()["workers"])
            futures = []
            for i, path in enumerate(paths):
                if i in GIVEN_TWICE:  # one copy per worker, ahead of the other files
                    twins = tmp_path / f"twins-{i}"
                    twins.mkdir()
                    for copy in (0, 1):
                        future = dask.submit(
                            upload_task, client, path, twins=str(twins), copy=copy, key=f"upload-{i}-{copy}",
                            workers=[workers[copy]], allow_other_workers=True, priority=1, retries=2,
                        )  # fmt: skip
                        futures.append((path, future))
                else:
                    marker = kill_marker if i == KILLED else None
                    futures.append((path, dask.submit(upload_task, client, path, marker, key=f"upload-{i}", retries=2)))
            outcomes = [(path, *future.result(timeout=120)) for path, future in futures]

    assert os.path.exists(kill_marker), "the worker was not killed: the test did not test a crash"
    videos_of = defaultdict(set)
    for path, status, video_id in outcomes:
        assert status in ("uploaded", "resumed", "skipped"), (path, status)
        videos_of[path].add(video_id)
    assert all(len(ids) == 1 for ids in videos_of.values()), "copies of one file ended in different videos"
    killed = [status for path, status, _ in outcomes if path == paths[KILLED]]
    assert killed == ["resumed"], "the rerun of the killed task did not continue the video it had started"

    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as checker:
        on_server = list(paginate(VideosApi(checker).list, page_size=100))
    assert len(on_server) == FILES  # no second video of any file, no video left behind by a crash
    keys = {m.value for video in on_server for m in video.metadata if m.key == FINGERPRINT_KEY}
    assert keys == {content_key(path) for path in paths}
    for path, ids in videos_of.items():
        (video_id,) = ids
        assert emu.source_sha256(video_id) == digests[path], f"{os.path.basename(path)} did not arrive intact"
