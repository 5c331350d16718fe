"""Uploads that survive a crash, prove they arrived, report smooth progress, can be cancelled and throttled, and
move a whole library: the journal, the integrity check, cancel, the bandwidth cap and apivideo.library."""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import pytest
from _content import sample as _data
from _content import sha as _sha

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.journal import UploadJournal
from apivideo.library import find_files, title_from_name, upload_file, upload_files
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload

MIB = 1024 * 1024
CHUNK = 5 * MIB
SOURCE = r"/videos/[^/]+/source$"




def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def videos(client):
    return VideosApi(client)


@pytest.fixture
def journal(tmp_path):
    return UploadJournal(tmp_path / "journal")


def _ranges(emu, since=0):
    return [r.headers.get("Content-Range") for r in emu.requests[since:] if r.path.endswith("/source")]


# --------------------------------------------------------------------------- the journal


def test_a_token_upload_continues_its_video_after_a_failure(emu, config, client, tmp_path, journal):
    data = _data(4 * CHUNK + 10, seed=2)
    path = _write(tmp_path / "clip.mp4", data)
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    config.retries = 0
    anonymous = VideosApi(apivideo.ApiClient(config))  # holds only the token: cannot read the video's status
    emu.inject("drop", path="/upload", skip=2)
    with pytest.raises(apivideo.UploadError) as info:
        anonymous.upload_with_upload_token(token, path, journal=journal)
    video_id = info.value.video_id
    saved = journal.entries()
    assert [e["video_id"] for e in saved] == [video_id] and saved[0]["acknowledged"] == [[0, 2 * CHUNK]]
    emu.clear_requests()
    video = anonymous.upload_with_upload_token(token, path, journal=journal)
    assert video.video_id == video_id and emu.source_sha256(video_id) == _sha(data)
    sent = [r.headers["Content-Range"].split("/")[0] for r in emu.requests if r.path == "/upload"]
    assert sent == [f"bytes {2 * CHUNK}-{3 * CHUNK - 1}", f"bytes {3 * CHUNK}-{4 * CHUNK - 1}",
                    f"bytes {4 * CHUNK}-{4 * CHUNK + 9}"]  # fmt: skip
    assert journal.entries() == []  # nothing unfinished is left
    assert [e["video_id"] for e in journal.entries(unfinished=False)] == [video_id]  # the upload is remembered
    assert VideosApi(client).list().pagination.items_total == 1


def test_a_changed_file_is_never_resumed_onto_the_old_video(emu, client, videos, tmp_path, journal, caplog):
    path = tmp_path / "clip.mp4"
    _write(path, _data(2 * CHUNK + 1, seed=3))
    emu.inject("status", status=500, path_regex=SOURCE, skip=1)
    with pytest.raises(apivideo.UploadError):
        upload_file(client, path, journal=journal)
    first = journal.entries()[0]["video_id"]
    changed = _data(2 * CHUNK + 1, seed=4)
    _write(path, changed)
    with caplog.at_level(logging.WARNING, logger="apivideo"):
        result = upload_file(client, path, journal=journal)
    assert result.video_id != first and "changed" in (result.note or "")
    assert emu.source_sha256(result.video_id) == _sha(changed)


def test_two_uploads_of_one_file_at_once_are_refused(emu, client, tmp_path, journal):
    path = _write(tmp_path / "clip.mp4", _data(CHUNK + 1))
    entry = journal.open(client.configuration.host, path, CHUNK)
    try:
        with pytest.raises(apivideo.ApiValueError, match="being uploaded by another process"):
            upload_file(client, path, journal=journal)
    finally:
        entry.release()
    assert upload_file(client, path, journal=journal).status == "uploaded"


def test_the_journal_needs_a_path(videos):
    with pytest.raises(apivideo.ApiValueError, match="journal needs a file given by its path"):
        videos.upload("vi1", b"bytes in memory", journal=True)


# --------------------------------------------------------------------------- proof of arrival


def test_a_chunk_the_server_lost_is_reported_and_resume_sends_it(emu, client, videos, tmp_path):
    data = _data(3 * CHUNK + 5, seed=5)
    video_id = videos.create(VideoCreationPayload(title="lost")).video_id
    emu.inject("lose", path_regex=SOURCE, skip=1)  # the second chunk is answered 200 but not kept
    with pytest.raises(apivideo.UploadError, match=f"missing bytes {CHUNK}-{2 * CHUNK - 1}") as info:
        videos.upload(video_id, data)
    assert info.value.bytes_acknowledged == len(data) - CHUNK
    emu.clear_requests()
    videos.upload(video_id, data, resume=True)
    assert _ranges(emu) == [f"bytes {CHUNK}-{2 * CHUNK - 1}/{len(data)}"]
    assert emu.source_sha256(video_id) == _sha(data)


def test_the_integrity_check_can_be_turned_off(emu, videos):
    video_id = videos.create(VideoCreationPayload(title="unchecked")).video_id
    emu.clear_requests()
    videos.upload(video_id, _data(2 * CHUNK), verify=False)
    assert not [r for r in emu.requests if r.path.endswith("/status")]


# --------------------------------------------------------------------------- cancel and bandwidth


def test_cancel_from_another_thread_stops_within_a_block_and_resumes(emu, client, videos, tmp_path):
    data = _data(4 * CHUNK, seed=6)
    path = _write(tmp_path / "clip.mp4", data)
    video_id = videos.create(VideoCreationPayload(title="cancel")).video_id
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= CHUNK + 2 * MIB:
            cancel.set()

    with open(path, "rb") as f:
        with pytest.raises(apivideo.UploadCancelled) as info:
            videos.upload(video_id, f, cancel=cancel, _progress_listener=progress)
        assert not f.closed  # nothing of the caller's is closed
    assert isinstance(info.value, apivideo.UploadError) and info.value.bytes_acknowledged == CHUNK
    assert max(seen) <= CHUNK + 3 * MIB  # stopped within one block of the request
    videos.upload(video_id, path, resume=True)
    assert emu.source_sha256(video_id) == _sha(data)


def test_bandwidth_cap_is_shared_by_parallel_parts(emu, client, videos):
    client.configuration.upload_concurrency = 3
    video_id = videos.create(VideoCreationPayload(title="capped")).video_id
    planned = []  # when each block was allowed to leave, without waiting for it
    client._sleep = lambda seconds: planned.append(time.monotonic() + seconds)
    videos.upload(video_id, _data(3 * CHUNK, seed=7), max_bandwidth=10 * MIB)
    # 15 blocks of 1 MiB at 10 MiB/s, each leaving at the end of its slot, 0.1 s apart: from the first to the last,
    # 1.4 s, whichever part they belong to (three separate budgets would have spread them over 0.4 s only).
    assert len(planned) == 15 and max(planned) - min(planned) == pytest.approx(1.4, abs=0.01)


# --------------------------------------------------------------------------- a whole library


def test_find_files_walks_folders_and_filters(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    for name in ("a/one.mp4", "a/two.MOV", "a/notes.txt", "a/deep/three.mp4", "four.mp4"):
        (tmp_path / name).write_bytes(b"x")
    flat = find_files([tmp_path / "a", tmp_path / "four.mp4"], include=["*.mp4", "*.MOV"])
    assert [os.path.relpath(p, tmp_path) for p in flat] == ["a/one.mp4", "a/two.MOV", "four.mp4"]
    deep = find_files([tmp_path], recursive=True, include=["*.mp4"])
    assert [os.path.relpath(p, tmp_path) for p in deep] == ["four.mp4", "a/one.mp4", "a/deep/three.mp4"]
    with pytest.raises(apivideo.ApiValueError, match="no such file"):
        find_files([tmp_path / "missing.mp4"])
    assert title_from_name("/x/my_holiday-2024.mp4") == "my holiday 2024"


def test_upload_files_uploads_a_folder_and_a_rerun_skips_nothing_twice(emu, client, videos, tmp_path, journal):
    folder = tmp_path / "library"
    folder.mkdir()
    contents = {f"clip{i}.mp4": _data(CHUNK + i * 999, seed=10 + i) for i in range(4)}
    for name, data in contents.items():
        _write(folder / name, data)
    _write(folder / "broken.mp4", b"")  # an empty file fails alone
    seen = []
    results = upload_files(client, [folder], jobs=3, journal=journal, on_result=seen.append)
    assert len(seen) == 5 and [os.path.basename(r.path) for r in results] == sorted(os.listdir(folder))
    by_name = {os.path.basename(r.path): r for r in results}
    assert by_name["broken.mp4"].status == "failed" and "empty" in by_name["broken.mp4"].error
    for name, data in contents.items():
        result = by_name[name]
        assert result.status == "uploaded" and emu.source_sha256(result.video_id) == _sha(data)
        assert videos.get(result.video_id).title == name.split(".")[0]
    assert journal.entries() == []  # nothing unfinished: the empty file failed before any video or entry


def test_a_dry_run_sends_nothing(emu, client, tmp_path, journal):
    _write(tmp_path / "a.mp4", b"abc")
    emu.clear_requests()
    results = upload_files(client, [tmp_path], include=["*.mp4"], dry_run=True, journal=journal)
    assert [r.status for r in results] == ["planned"] and emu.requests == []


def test_wait_until_playable(emu, client, videos):
    from apivideo.library import wait_until_playable

    video_id = videos.create(VideoCreationPayload(title="wait")).video_id
    videos.upload(video_id, b"a video")
    status = wait_until_playable(client, video_id, timeout=10, interval=0.01)
    assert status.encoding.playable is True


def test_the_journal_file_is_json_with_no_credential(emu, client, tmp_path, journal):
    path = _write(tmp_path / "clip.mp4", _data(2 * CHUNK, seed=8))
    emu.inject("status", status=500, path_regex=SOURCE, skip=1)
    with pytest.raises(apivideo.UploadError):
        upload_file(client, path, journal=journal)
    (entry_file,) = (journal.directory).glob("*.json")
    text = entry_file.read_text()
    assert emu.api_key not in text and json.loads(text)["path"] == os.path.abspath(path)


def test_a_rerun_after_a_completed_upload_does_not_upload_again(emu, client, videos, tmp_path, journal):
    path = _write(tmp_path / "done.mp4", _data(CHUNK + 3, seed=12))
    first = upload_file(client, path, journal=journal)
    again = upload_file(client, path, journal=journal)  # e.g. killed after the last chunk, before saying so
    assert (again.status, again.video_id, again.note) == ("skipped", first.video_id, "already uploaded")
    assert videos.list().pagination.items_total == 1
    forced = upload_file(client, path, journal=journal, reupload=True)
    assert forced.status == "uploaded" and forced.video_id != first.video_id
    videos.delete(forced.video_id)
    _write(tmp_path / "done.mp4", _data(CHUNK + 3, seed=13))  # a changed file is a new upload
    changed = upload_file(client, path, journal=journal)
    assert changed.status == "uploaded" and changed.video_id not in (first.video_id, forced.video_id)
