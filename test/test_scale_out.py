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
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.journal import UploadJournal
from apivideo.library import FINGERPRINT_KEY, SHA256_KEY, find_uploaded, upload_file, upload_files
from apivideo.model.video_creation_payload import VideoCreationPayload
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
