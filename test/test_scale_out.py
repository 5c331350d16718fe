"""The SDK inside process pools: what pickles (settings, clients, Api objects, models, errors), every start method
with a client made in the parent, and deduplication across machines through a content key in video metadata."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import apivideo
from apivideo import library
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.journal import UploadJournal
from apivideo.library import FINGERPRINT_KEY, SHA256_KEY, content_key, find_uploaded, upload_file, upload_files
from apivideo.model.metadata import Metadata
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.video_update_payload import VideoUpdatePayload
from apivideo.retry import RetryPolicy

MIB = 1024 * 1024
PAYLOADS = Path(__file__).resolve().parents[1] / "spec" / "payloads"
if not PAYLOADS.is_dir():  # the recorded answers, where this checkout keeps them
    PAYLOADS = Path(__file__).resolve().parents[2] / "shared" / "payloads"


# --------------------------------------------------------------------------- pickling


def test_settings_pickle_to_equal_values():
    config = Configuration(host="https://proxy.example", chunk_size=8 * MIB, retries=RetryPolicy(max_retries=5),
                           upload_concurrency=3, rate_limit_pacing=False)  # fmt: skip
    copy = pickle.loads(pickle.dumps(config))
    assert vars(copy) == vars(config)
    policy = RetryPolicy(max_retries=1, backoff=0.1)
    assert pickle.loads(pickle.dumps(policy)) == policy


def _recorded_answers():
    return sorted(PAYLOADS.glob("*/*/responses/2*.json"))


def test_every_recorded_answer_decodes_to_models_that_pickle_to_equal_values():
    from test_payloads import _find  # the Api class and operation of a recorded answer

    checked = 0
    for path in _recorded_answers():
        resource, operation = path.parts[-4], path.parts[-3]
        _, op = _find(resource, operation)
        if op.response is None:
            continue
        model = op.response.from_wire(json.loads(path.read_text()))
        assert pickle.loads(pickle.dumps(model)) == model, path
        checked += 1
    assert checked > 40


def test_a_client_pickles_without_token_or_socket_and_reconnects(emu, client):
    videos = VideosApi(client).with_options(retries=1)
    videos.list()  # connected, with a token and a pooled socket
    data = pickle.dumps(videos)
    assert emu.api_key.encode() in data  # documented: the pickle holds the API key, as the client does
    token = client._token.headers["Authorization"].split()[1]
    assert token.encode() not in data
    copy = pickle.loads(data)
    assert copy.api_client is not client and copy.api_client._token is None and copy._defaults == {"_retries": 1}
    assert copy.list().data == []  # connects on first use


def test_upload_errors_pickle_with_their_cause_class():
    cause = apivideo.ServiceException(503, "Service Unavailable", body=b'{"title": "down"}')
    error = apivideo.UploadError.of(cause, "upload stopped", video_id="vi1", bytes_acknowledged=10)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, apivideo.UploadError) and isinstance(copy, apivideo.ServiceException)
    assert (copy.video_id, copy.bytes_acknowledged, copy.cause.title, str(copy)) == ("vi1", 10, "down", str(error))


# --------------------------------------------------------------------------- process pools


def create_and_get(job):
    """Runs in a worker process: create a video and read it back with the client made in the parent."""
    videos, number = job
    title = f"worker video {number}"
    created = videos.create(VideoCreationPayload(title=title))
    got = videos.get(created.video_id)
    return created.video_id, got.video_id, got.title == title


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_client_made_in_the_parent_works_under_every_start_method(emu, client, method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    videos = VideosApi(client)
    videos.list()  # the parent has used it: a token and a pooled connection exist
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
        results = list(pool.map(create_and_get, [(videos, i) for i in range(12)]))
    assert all(created == got and same_title for created, got, same_title in results)  # no crossed answers
    assert len({created for created, _, _ in results}) == 12
    assert videos.list(page_size=100).pagination.items_total == 12


# --------------------------------------------------------------------------- deduplication


def _file(tmp_path, name, size, seed):
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]
    path = tmp_path / name
    path.write_bytes(data)
    return str(path), hashlib.sha256(data).hexdigest()


def test_a_file_uploaded_from_one_machine_is_skipped_on_another(emu, config, client, tmp_path):
    path, sha = _file(tmp_path, "film.mp4", 2 * 5 * MIB + 7, seed=1)
    first = upload_file(client, path, journal=UploadJournal(tmp_path / "machine-a"), skip_existing=True)
    assert first.status == "uploaded" and emu.source_sha256(first.video_id) == sha
    metadata = {m.key: m.value for m in VideosApi(client).get(first.video_id).metadata}
    assert metadata[FINGERPRINT_KEY].startswith("v2:") and metadata[SHA256_KEY] == sha  # hashed while sent
    other = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)  # another machine: its own journal
    with other:
        assert find_uploaded(other, path).video_id == first.video_id
        again = upload_file(other, path, journal=UploadJournal(tmp_path / "machine-b"), skip_existing=True)
    assert again.status == "skipped" and again.video_id == first.video_id
    assert VideosApi(client).list().pagination.items_total == 1


def test_two_workers_starting_the_same_file_together_make_one_video(emu, config, tmp_path):
    path, sha = _file(tmp_path, "same.mp4", 3 * 5 * MIB, seed=2)
    results, errors, start = [], [], threading.Barrier(2)

    def worker(name):
        with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
            start.wait()
            try:
                results.append(upload_file(client, path, journal=UploadJournal(tmp_path / name), skip_existing=True))
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2 and len({r.video_id for r in results}) == 1
    assert emu.source_sha256(results[0].video_id) == sha


def test_a_bulk_upload_skips_what_is_already_there(emu, client, tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    for i in range(3):
        _file(folder, f"{i}.mp4", 1000 + i, seed=10 + i)
    first = upload_files(client, [folder], skip_existing=True, journal=False)
    second = upload_files(client, [folder], skip_existing=True, journal=False)
    assert [r.status for r in first] == ["uploaded"] * 3 and [r.status for r in second] == ["skipped"] * 3
    assert [r.video_id for r in first] == [r.video_id for r in second]


def test_a_different_file_with_the_same_key_is_not_taken_for_a_copy(emu, client, tmp_path):
    """Same size, same first and last MiB, different middle: the key cannot tell them apart, the SHA-256 can."""
    size = 12 * MIB
    first = bytearray(size)
    first[6 * MIB : 6 * MIB + 10] = b"first take"
    second = bytearray(size)
    second[6 * MIB + 5 : 6 * MIB + 16] = b"second take"
    (tmp_path / "take1.mp4").write_bytes(first)
    (tmp_path / "take2.mp4").write_bytes(second)
    one = upload_file(client, tmp_path / "take1.mp4", journal=False, skip_existing=True)
    two = upload_file(client, tmp_path / "take2.mp4", journal=False, skip_existing=True)
    assert two.status == "uploaded" and two.video_id != one.video_id
    assert emu.source_sha256(two.video_id) == hashlib.sha256(second).hexdigest()


# Two workers given the same file, each making a video within the same second: api.video dates videos to the second
# and their ids are random, so only the order api.video lists them in says which was made first. Every worker, and
# every rerun of a worker's task, must end in the same video.


def _made_in_one_second(videos, key):
    """The ids of two videos carrying the content key ``key``, made one after the other within one second, the
    later one's id sorting first."""

    def make():
        return videos.create(VideoCreationPayload(title="clip", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)]))

    for _ in range(100):  # a try fits about one time in two: ids are random
        first, later = make(), make()
        if later.created_at == first.created_at and later.video_id < first.video_id:
            return first.video_id, later.video_id
        videos.delete(first.video_id)
        videos.delete(later.video_id)
    raise AssertionError("never made two videos within one second with their ids in the other order")


def _stop_after_first_chunk(done, total):
    if 5 * MIB < done < total:
        raise RuntimeError("killed")


def test_a_rerun_reports_the_video_that_holds_the_file_not_a_copy_made_in_the_same_second(emu, client, tmp_path):
    """One worker made its video, sent the file and recorded its SHA-256. The other, given the same file, made a
    video in the same second, sent the file there too and was killed before it gave way. A rerun of either task
    reports the first worker's video."""
    path, sha = _file(tmp_path, "twin.mp4", 300_000, seed=20)
    videos = VideosApi(client)
    key = content_key(path)
    first, later = _made_in_one_second(videos, key)
    for video_id in (first, later):
        videos.upload(video_id, path, journal=False)
    recorded = [Metadata(key=FINGERPRINT_KEY, value=key), Metadata(key=SHA256_KEY, value=sha)]
    videos.update(first, VideoUpdatePayload(metadata=recorded))
    assert find_uploaded(client, path).video_id == first
    reruns = [upload_file(client, path, journal=False, skip_existing=True) for _ in range(2)]
    assert [(r.status, r.video_id) for r in reruns] == [("skipped", first)] * 2
    assert emu.source_sha256(first) == sha


def test_a_rerun_continues_the_first_of_two_unfinished_videos_made_in_the_same_second(emu, client, tmp_path):
    """One worker made its video and sent the first chunk before it was killed; the other made its video in the
    same second and was killed before it gave way. The rerun continues the first video from where it stopped."""
    path, sha = _file(tmp_path, "long.mp4", 2 * 5 * MIB + 7, seed=21)
    videos = VideosApi(client)
    first, later = _made_in_one_second(videos, content_key(path))
    with pytest.raises(RuntimeError):
        videos.upload(first, path, journal=False, _progress_listener=_stop_after_first_chunk)
    emu.clear_requests()
    rerun = upload_file(client, path, journal=False, skip_existing=True)
    assert (rerun.status, rerun.video_id) == ("resumed", first)
    # what the rerun sent (the killed upload's last request may be logged here too, unanswered)
    sent = [(r.path, r.headers["Content-Range"]) for r in emu.requests if r.path.endswith("/source") and r.status]
    source, size = f"/videos/{first}/source", 2 * 5 * MIB + 7
    assert sent == [(source, f"bytes {5 * MIB}-{10 * MIB - 1}/{size}"), (source, f"bytes {10 * MIB}-{size - 1}/{size}")]
    assert emu.source_sha256(first) == sha
    again = upload_file(client, path, journal=False, skip_existing=True)
    assert (again.status, again.video_id) == ("skipped", first)


def test_a_complete_copy_in_a_later_video_is_not_the_file_while_the_first_video_is_unfinished(emu, client, tmp_path):
    """One worker made its video and sent the first chunk before it was killed; another worker that did not see
    it sent the whole file to a video made later, and was killed before it recorded the SHA-256. That copy is not
    the file's video, since it would give way to the first one: a rerun continues the first video."""
    path, sha = _file(tmp_path, "copies.mp4", 2 * 5 * MIB + 7, seed=23)
    videos = VideosApi(client)
    first, later = _made_in_one_second(videos, content_key(path))
    with pytest.raises(RuntimeError):
        videos.upload(first, path, journal=False, _progress_listener=_stop_after_first_chunk)
    videos.upload(later, path, journal=False)
    assert find_uploaded(client, path) is None
    rerun = upload_file(client, path, journal=False, skip_existing=True)
    assert (rerun.status, rerun.video_id) == ("resumed", first) and emu.source_sha256(first) == sha
    assert find_uploaded(client, path).video_id == first


def test_an_upload_gives_way_to_a_video_finished_meanwhile_with_the_same_file(emu, config, client, tmp_path):
    """While this upload runs, another worker that did not see its video finishes the same file in a video of its
    own, made later, and records its SHA-256. A finished video is final: this upload gives way to it, and the file
    ends in one video that both report."""
    path, sha = _file(tmp_path, "race.mp4", 2 * 5 * MIB + 7, seed=22)
    key = content_key(path)
    other = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
    finished = []

    def finish_elsewhere(done, total):
        if 5 * MIB < done < total and not finished:  # once this upload's first chunk is sent
            videos = VideosApi(other)
            (mine,) = videos.list(metadata={FINGERPRINT_KEY: key}).data
            while True:  # made after this upload's video, with an id that sorts after its too
                payload = VideoCreationPayload(title="race", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)])
                video_id = videos.create(payload).video_id
                if video_id > mine.video_id:
                    break
                videos.delete(video_id)
            videos.upload(video_id, path, journal=False)
            recorded = [Metadata(key=FINGERPRINT_KEY, value=key), Metadata(key=SHA256_KEY, value=sha)]
            videos.update(video_id, VideoUpdatePayload(metadata=recorded))
            finished.append(video_id)

    with other:
        result = upload_file(client, path, journal=False, skip_existing=True, _progress_listener=finish_elsewhere)
    assert (result.status, result.video_id) == ("skipped", finished[0])
    on_server = VideosApi(client).list(page_size=100).data
    assert [v.video_id for v in on_server] == finished and emu.source_sha256(finished[0]) == sha


# When a worker gives way to another worker's video, it deletes its own, and a worker that had taken that video
# (continuing it as the oldest unfinished one) finds it gone. The file is then settled in another video: the
# worker looks again instead of failing.


def _partial(videos, path, key):
    """A video carrying the key that holds the file's first chunk only (its worker was killed)."""
    payload = VideoCreationPayload(title="partial", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)])
    video_id = videos.create(payload).video_id
    with pytest.raises(RuntimeError):
        videos.upload(video_id, path, journal=False, _progress_listener=_stop_after_first_chunk)
    return video_id


def _finish_elsewhere(videos, path, key, sha):
    """Another worker's finished video of the file, its SHA-256 recorded."""
    payload = VideoCreationPayload(title="elsewhere", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)])
    video_id = videos.create(payload).video_id
    videos.upload(video_id, path, journal=False)
    recorded = [Metadata(key=FINGERPRINT_KEY, value=key), Metadata(key=SHA256_KEY, value=sha)]
    videos.update(video_id, VideoUpdatePayload(metadata=recorded))
    return video_id


def _lagging(monkeypatch, hidden, until):
    """api.video lists ``hidden`` only once ``until()`` is true (a listing that lags, or a video made just after
    the worker looked)."""
    import apivideo.library as library

    real = library._candidates

    def candidates(videos, key):
        return [v for v in real(videos, key) if until() or v.video_id not in hidden]

    monkeypatch.setattr(library, "_candidates", candidates)


def test_a_worker_whose_adopted_video_is_deleted_takes_the_video_that_holds_the_file(emu, config, client, tmp_path):
    """This worker continues a video left unfinished; meanwhile another worker finishes the file in a video of its
    own and deletes the unfinished one (it gave way). The next chunk finds the video gone: the file is on
    api.video, in the other video, and that is what this worker reports."""
    path, sha = _file(tmp_path, "adopted.mp4", 2 * 5 * MIB + 7, seed=30)
    videos, key = VideosApi(client), content_key(path)
    partial = _partial(videos, path, key)
    finished = []

    def elsewhere(done, total):
        if 5 * MIB < done < total and not finished:
            with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as other:
                finished.append(_finish_elsewhere(VideosApi(other), path, key, sha))
                VideosApi(other).delete(partial)

    result = upload_file(client, path, journal=False, skip_existing=True, _progress_listener=elsewhere)
    assert (result.status, result.video_id) == ("skipped", finished[0])
    assert [v.video_id for v in videos.list(page_size=100).data] == finished and emu.source_sha256(finished[0]) == sha


def test_a_worker_that_finds_a_finished_video_after_making_its_own_sends_nothing(emu, config, client, tmp_path,
                                                                                  monkeypatch):  # fmt: skip
    """When this worker first looked, nothing carried the key; by the time it made its video, another worker had
    finished the file and a third had made a copy that is about to give way (and be deleted). This worker takes the
    finished video at once: it neither continues the copy nor sends a byte."""
    path, sha = _file(tmp_path, "late.mp4", 2 * 5 * MIB + 7, seed=31)
    videos, key = VideosApi(client), content_key(path)
    finished = _finish_elsewhere(videos, path, key, sha)
    copy = videos.create(VideoCreationPayload(title="copy", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)]))
    made = []
    real_create = VideosApi.create

    def create(self, *args, **kwargs):
        made.append(real_create(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(VideosApi, "create", create)
    _lagging(monkeypatch, {finished, copy.video_id}, until=lambda: bool(made))

    def copy_gives_way(done, total):
        videos.delete(copy.video_id)

    emu.clear_requests()
    result = upload_file(client, path, journal=False, skip_existing=True, _progress_listener=copy_gives_way)
    assert (result.status, result.video_id) == ("skipped", finished)
    assert not [r for r in emu.requests if r.path.endswith("/source")]
    assert {v.video_id for v in videos.list(page_size=100).data} == {finished, copy.video_id}


def test_a_worker_whose_own_video_is_already_deleted_when_it_gives_way_goes_on(emu, client, tmp_path, monkeypatch):
    """This worker made its video and, seeing an older unfinished one, gives way to it; its own video is already
    gone (a worker that had taken it deleted it). Deleting it answers 404: nothing to do, the upload goes on."""
    path, sha = _file(tmp_path, "gone.mp4", 2 * 5 * MIB + 7, seed=32)
    videos, key = VideosApi(client), content_key(path)
    older = _partial(videos, path, key)
    made = []
    real_create = VideosApi.create

    def create(self, *args, **kwargs):
        video = real_create(self, *args, **kwargs)
        made.append(video.video_id)
        real_delete(self, video.video_id)  # taken and deleted by another worker before this one lists again
        return video

    real_delete = VideosApi.delete
    monkeypatch.setattr(VideosApi, "create", create)
    _lagging(monkeypatch, {older}, until=lambda: bool(made))
    result = upload_file(client, path, journal=False, skip_existing=True)
    assert (result.status, result.video_id) == ("resumed", older) and emu.source_sha256(older) == sha
    assert [v.video_id for v in videos.list(page_size=100).data] == [older]


def test_a_worker_stops_waiting_on_a_video_deleted_while_it_waits(emu, client, tmp_path, monkeypatch):
    """This worker sent the file to its own video, then found an older unfinished video with the key and waited
    for it to complete. That video is deleted while it waits: the wait ends at once, and the file stays in this
    worker's video, its SHA-256 recorded."""
    import time

    path, sha = _file(tmp_path, "waited.mp4", 2 * 5 * MIB + 7, seed=33)
    videos, key = VideosApi(client), content_key(path)
    older = _partial(videos, path, key)
    sent = []
    _lagging(monkeypatch, {older}, until=lambda: bool(sent))
    real_status = VideosApi.get_status

    def get_status(self, video_id, *args, **kwargs):
        if video_id == older and sent:
            with apivideo.AuthenticatedApiClient(emu.api_key, configuration=client.configuration) as other:
                VideosApi(other).delete(older)  # someone deletes it while this worker waits on it
        return real_status(self, video_id, *args, **kwargs)

    monkeypatch.setattr(VideosApi, "get_status", get_status)

    def listener(done, total):
        if done == total:
            sent.append(True)

    started = time.monotonic()
    result = upload_file(client, path, journal=False, skip_existing=True, _progress_listener=listener)
    assert time.monotonic() - started < 10
    assert result.status == "uploaded" and emu.source_sha256(result.video_id) == sha
    metadata = {m.key: m.value for m in videos.get(result.video_id).metadata}
    assert metadata[SHA256_KEY] == sha
    assert [v.video_id for v in videos.list(page_size=100).data] == [result.video_id]


def test_an_empty_copy_left_by_a_killed_worker_does_not_confuse_later_runs(emu, client, tmp_path):
    """A worker was killed after it made its video and before it deleted it in favour of an older one: an empty
    video with the key stays. Reruns continue the older video, then skip the file; the empty copy stays as it is
    (nothing deletes a video it did not make)."""
    path, sha = _file(tmp_path, "stale.mp4", 2 * 5 * MIB + 7, seed=34)
    videos, key = VideosApi(client), content_key(path)
    older = _partial(videos, path, key)
    stale = videos.create(VideoCreationPayload(title="stale", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)]))
    runs = [upload_file(client, path, journal=False, skip_existing=True) for _ in range(3)]
    assert [(r.status, r.video_id) for r in runs] == [("resumed", older), ("skipped", older), ("skipped", older)]
    assert find_uploaded(client, path).video_id == older and emu.source_sha256(older) == sha
    assert emu.source_sha256(stale.video_id) is None


def test_a_file_skipped_on_a_video_without_its_sha256_says_so(emu, client, tmp_path, monkeypatch):
    """A video that holds a whole upload but no SHA-256 (its worker was killed before recording it) is matched by
    the content key alone: a file skipped on it says so in its note."""
    monkeypatch.setattr(library, "_HASH_WAIT", 0.3)  # (the uploader would have recorded it by then)
    path, sha = _file(tmp_path, "unhashed.mp4", 300_000, seed=35)
    videos, key = VideosApi(client), content_key(path)
    video = videos.create(VideoCreationPayload(title="unhashed", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)]))
    videos.upload(video.video_id, path, journal=False)
    result = upload_file(client, path, journal=False, skip_existing=True)
    assert (result.status, result.video_id) == ("skipped", video.video_id)
    assert "content key" in result.note and "SHA-256" in result.note


@pytest.mark.parametrize("same_file", [True, False])
def test_a_complete_video_whose_uploader_records_its_sha256_a_moment_later(emu, client, tmp_path, same_file):
    """The usual case, with no worker killed: the uploader records the SHA-256 right after its last chunk. A file
    found in that moment waits for it: the same file is skipped with no warning note, another file that only
    shares the key gets a video of its own."""
    path, sha = _file(tmp_path, "late.mp4", 300_000, seed=36)
    videos, key = VideosApi(client), content_key(path)
    video = videos.create(VideoCreationPayload(title="late", metadata=[Metadata(key=FINGERPRINT_KEY, value=key)]))
    videos.upload(video.video_id, path, journal=False)
    recorded = sha if same_file else "0" * 64
    metadata = [Metadata(key=FINGERPRINT_KEY, value=key), Metadata(key=SHA256_KEY, value=recorded)]
    timer = threading.Timer(0.3, lambda: videos.update(video.video_id, VideoUpdatePayload(metadata=metadata)))
    timer.start()
    try:
        result = upload_file(client, path, journal=False, skip_existing=True)
    finally:
        timer.join()
    if same_file:
        assert (result.status, result.video_id, result.note) == ("skipped", video.video_id, None)
    else:
        assert result.status == "uploaded" and result.video_id != video.video_id
        assert emu.source_sha256(result.video_id) == sha
