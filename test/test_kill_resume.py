"""An upload killed with SIGKILL at 20 points across a multi-chunk file, rerun after each kill: one video in the
end, byte-exact, and no rerun sends again a chunk the server had acknowledged."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys

import pytest

from apivideo.api.videos_api import VideosApi

MIB = 1024 * 1024
CHUNK = 5 * MIB

CHILD = r"""
import sys
import apivideo
from apivideo.configuration import Configuration
from apivideo.library import upload_file

host, key, path = sys.argv[1:4]
config = Configuration(host=host, chunk_size=5 * 1024 * 1024)
with apivideo.AuthenticatedApiClient(key, configuration=config) as client:
    result = upload_file(client, path, _progress_listener=lambda done, total: print(done, flush=True))
print("video", result.video_id, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_twenty_times_the_upload_still_ends_in_one_exact_video(emu, client, tmp_path):
    data = (hashlib.sha256(b"kill").digest() * (8 * CHUNK // 32 + 1))[: 8 * CHUNK - 1234]
    path = tmp_path / "film.mp4"
    path.write_bytes(data)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    kill_points = [len(data) * (i + 1) // 21 for i in range(20)]
    acknowledged: set = set()
    for point in [*kill_points, None]:
        since = len(emu.requests)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, emu.host, emu.api_key, str(path)], stdout=subprocess.PIPE, text=True,
            env=env,
        )  # fmt: skip
        last = ""
        assert child.stdout is not None
        for line in child.stdout:
            last = line.strip()
            if point is not None and line.strip().isdigit() and int(line) >= point:
                child.send_signal(signal.SIGKILL)
                break
        child.wait(timeout=60)
        chunks = [r for r in emu.requests[since:] if r.path.endswith("/source")]
        for r in chunks:  # a chunk acknowledged in an earlier run is never sent again
            assert r.headers["Content-Range"] not in acknowledged, (point, r.headers["Content-Range"])
        acknowledged |= {r.headers["Content-Range"] for r in chunks if r.status in (200, 201)}
    assert last.startswith("video ")
    assert acknowledged  # runs were killed after chunks were acknowledged: the check above had work to do
    video_id = last.split()[1]
    videos = VideosApi(client).list(page_size=100)
    assert [v.video_id for v in videos.data] == [video_id]  # no run left a second video
    assert emu.source_sha256(video_id) == hashlib.sha256(data).hexdigest()
    from apivideo.journal import UploadJournal

    entries = UploadJournal(tmp_path / "state" / "apivideo" / "uploads").entries(unfinished=False)
    assert [(e["video_id"], bool(e.get("completed"))) for e in entries] == [(video_id, True)]
