"""Uploads over real HTTP: byte-exact sources, one video per file, retries, resume, concurrency, progress."""

from __future__ import annotations

import io
import os

import pytest
from _content import sample as _data
from _content import sha as _sha

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload

MIB = 1024 * 1024
CHUNK = 5 * MIB  # the test configuration's chunk size (the API's minimum)




@pytest.fixture
def videos(client):
    return VideosApi(client)


@pytest.fixture
def new_video(videos):
    return lambda title="upload": videos.create(VideoCreationPayload(title=title)).video_id


def _source_requests(emu):
    return [r for r in emu.requests if r.path.endswith("/source") or r.path == "/upload"]


@pytest.mark.parametrize("size", [1, CHUNK, CHUNK + 1, int(3.5 * CHUNK)], ids=["1B", "chunk", "chunk+1", "3.5chunks"])
def test_sources_are_byte_exact(emu, videos, new_video, tmp_path, size):
    data = _data(size)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    video_id = new_video()
    emu.clear_requests()
    video = videos.upload(video_id, str(path))
    assert video.video_id == video_id
    assert emu.source_sha256(video_id) == _sha(data)
    sent = _source_requests(emu)
    expected_chunks = -(-size // CHUNK)
    assert len(sent) == expected_chunks
    if expected_chunks == 1:
        assert "Content-Range" not in sent[0].headers
    else:
        ranges = [r.headers["Content-Range"] for r in sent]
        assert ranges[0] == f"bytes 0-{CHUNK - 1}/{size}"
        assert ranges[-1] == f"bytes {(expected_chunks - 1) * CHUNK}-{size - 1}/{size}"


def test_a_file_object_is_read_from_its_start_and_left_open(emu, videos, new_video, tmp_path):
    data = _data(CHUNK + 10)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    video_id = new_video()
    with open(path, "rb") as f:
        f.read(100)
        videos.upload(video_id, f)
        assert not f.closed
    assert emu.source_sha256(video_id) == _sha(data)


def test_a_path_is_opened_and_closed_by_the_sdk(videos, new_video, tmp_path, monkeypatch):
    path = tmp_path / "v.mp4"
    path.write_bytes(b"abc")
    opened = []
    real_open = open

    def spy(*args, **kwargs):
        f = real_open(*args, **kwargs)
        opened.append(f)
        return f

    monkeypatch.setattr("builtins.open", spy)
    videos.upload(new_video(), path)  # an os.PathLike
    assert opened and all(f.closed for f in opened)


def test_an_empty_file_is_refused_before_any_request(emu, videos, new_video, tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    video_id = new_video()
    emu.clear_requests()
    with pytest.raises(apivideo.ApiValueError, match="empty"):
        videos.upload(video_id, str(path))
    assert emu.requests == []


def test_upload_token_upload_of_three_chunks_makes_one_video(emu, client, tmp_path):
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    data = _data(int(2.5 * CHUNK), seed=2)
    path = tmp_path / "t.mp4"
    path.write_bytes(data)
    emu.clear_requests()
    with apivideo.ApiClient(client.configuration) as anonymous:
        video = VideosApi(anonymous).upload_with_upload_token(token, str(path))
    sent = _source_requests(emu)
    assert len(sent) == 3
    assert VideosApi(client).list().pagination.items_total == 1
    assert emu.source_sha256(video.video_id) == _sha(data)
    for r in sent[1:]:
        assert f'name="videoId"\r\n\r\n{video.video_id}'.encode() in r.body, r.body[:300]


def test_upload_token_upload_into_a_given_video(emu, client, videos, new_video):
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    video_id = new_video()
    video = videos.upload_with_upload_token(token, io.BytesIO(b"small file"), video_id=video_id)
    assert video.video_id == video_id
    assert emu.source_sha256(video_id) == _sha(b"small file")


@pytest.mark.parametrize("variant", ["video", "token"])
def test_progressive_sessions(emu, client, videos, new_video, tmp_path, variant):
    parts = [_data(CHUNK, 3), _data(CHUNK, 4), _data(1234, 5)]
    files = []
    for i, part in enumerate(parts):
        p = tmp_path / f"part{i}"
        p.write_bytes(part)
        files.append(p)
    if variant == "video":
        session = videos.create_upload_progressive_session(new_video())
    else:
        token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
        session = videos.create_upload_with_upload_token_progressive_session(token)
    emu.clear_requests()
    calls = []
    with open(files[0], "rb") as f0:
        session.uploadPart(f0, _progress_listener=lambda d, t: calls.append((d, t)))
        assert not f0.closed
    session.upload_part(files[1].read_bytes(), _progress_listener=lambda d, t: calls.append((d, t)))
    video = session.uploadLastPart(str(files[2]), _progress_listener=lambda d, t: calls.append((d, t)))
    assert [r.headers["Content-Range"] for r in _source_requests(emu)] == ["part 1/*", "part 2/*", "part 3/3"]
    assert emu.source_sha256(video.video_id) == _sha(b"".join(parts))
    total = sum(map(len, parts))
    assert (CHUNK, None) in calls and (2 * CHUNK, None) in calls and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)  # never back
    assert all(t is None for _, t in calls[:-1])  # the total is known with the last part only
    with pytest.raises(apivideo.ApiValueError, match="finished"):
        session.upload_part(b"more")
    if variant == "token":
        assert videos.list().pagination.items_total == 1


def test_a_dropped_chunk_and_a_503_are_retried_without_loss_or_duplicates(emu, videos, new_video, tmp_path, sleeps):
    data = _data(int(3.5 * CHUNK), seed=6)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    video_id = new_video()
    route = f"/videos/{video_id}/source"
    emu.inject("drop", method="POST", path=route, skip=1)  # chunk 2 is cut mid-body
    emu.inject("status", status=503, method="POST", path=route, skip=2)  # then chunk 3 gets a 503
    emu.clear_requests()
    video = videos.upload(video_id, str(path))
    assert video.video_id == video_id
    assert emu.source_sha256(video_id) == _sha(data)
    outcomes = [(r.headers["Content-Range"].split("/")[0], r.status) for r in _source_requests(emu)]
    c = CHUNK
    assert outcomes == [
        ("bytes 0-" + str(c - 1), 201),
        (f"bytes {c}-{2 * c - 1}", None), (f"bytes {c}-{2 * c - 1}", 201),
        (f"bytes {2 * c}-{3 * c - 1}", 503), (f"bytes {2 * c}-{3 * c - 1}", 201),
        (f"bytes {3 * c}-{len(data) - 1}", 201),
    ]  # fmt: skip
    assert len(sleeps) == 2


def test_exhausted_retries_raise_an_upload_error_that_says_how_to_resume(emu, videos, new_video, tmp_path):
    data = _data(int(3.5 * CHUNK), seed=7)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    video_id = new_video()
    route = f"/videos/{video_id}/source"
    emu.inject("status", status=503, method="POST", path=route, skip=2, count=3)  # chunk 3 fails for good
    with pytest.raises(apivideo.UploadError) as info:
        videos.upload(video_id, str(path))
    err = info.value
    assert isinstance(err, apivideo.ApiException)
    assert err.video_id == video_id and err.bytes_acknowledged == 2 * CHUNK and err.status == 503
    assert "resume=True" in str(err) and video_id in str(err)
    assert emu.source_sha256(video_id) is None

    emu.clear_requests()
    calls = []
    video = videos.upload(video_id, str(path), resume=True, _progress_listener=lambda d, t: calls.append((d, t)))
    assert video.video_id == video_id
    assert emu.source_sha256(video_id) == _sha(data)
    assert [r.headers["Content-Range"].split("/")[0] for r in _source_requests(emu)] == [
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}",
        f"bytes {3 * CHUNK}-{len(data) - 1}",
    ]  # only the missing chunks
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[0] > 2 * CHUNK  # progress starts where the server already was
    assert 3 * CHUNK in done and calls[-1] == (len(data), len(data))


def test_resume_of_a_complete_upload_sends_nothing(emu, videos, new_video):
    video_id = new_video()
    videos.upload(video_id, io.BytesIO(b"done"))
    emu.clear_requests()
    assert videos.upload(video_id, io.BytesIO(b"done"), resume=True).video_id == video_id
    assert _source_requests(emu) == []


def test_resume_is_only_accepted_by_chunked_uploads(videos):
    with pytest.raises(apivideo.ApiTypeError, match="resume"):
        videos.get("vi1", resume=True)


def test_concurrent_parts_send_the_last_chunk_after_all_others(emu, client, videos, new_video, tmp_path):
    client.configuration.upload_concurrency = 3
    data = _data(int(4.2 * CHUNK), seed=8)
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    video_id = new_video()
    emu.clear_requests()
    calls = []
    with open(path, "rb") as f:
        videos.upload(video_id, f, _progress_listener=lambda d, t: calls.append((d, t)))
    assert emu.source_sha256(video_id) == _sha(data)
    sent = _source_requests(emu)
    assert len(sent) == 5
    assert sent[-1].headers["Content-Range"] == f"bytes {4 * CHUNK}-{len(data) - 1}/{len(data)}"
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == len(data) and max(done[:-1]) < len(data)
    assert len(calls) >= len(data) // MIB  # parts sent in parallel still report each MiB


def test_progress_moves_at_least_once_per_mib_and_ends_on_acknowledgement(videos, new_video, tmp_path):
    data = _data(int(2.5 * CHUNK))
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    calls = []
    videos.upload(new_video(), str(path), _progress_listener=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and all(t == len(data) for _, t in calls)
    assert max(b - a for a, b in zip([0, *done], done)) <= MIB  # never more than a MiB between two calls
    assert done[-1] == len(data) and done[:-1] and max(done[:-1]) < len(data)  # the total only once it is all held
    assert CHUNK in done and 2 * CHUNK in done  # each acknowledged chunk is reported


def test_a_pipe_is_sent_as_progressive_parts(emu, videos, new_video):
    data = _data(int(2.2 * CHUNK), seed=9)
    read_fd, write_fd = os.pipe()
    import threading

    def feed():
        with os.fdopen(write_fd, "wb") as w:
            w.write(data)

    feeder = threading.Thread(target=feed)
    feeder.start()
    video_id = new_video()
    with os.fdopen(read_fd, "rb") as r:
        video = videos.upload(video_id, r)
    feeder.join()
    assert video.video_id == video_id
    assert emu.source_sha256(video_id) == _sha(data)


def test_thumbnail_upload_accepts_a_path(emu, videos, new_video, tmp_path):
    thumb = tmp_path / "poster.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"\x01" * 500)
    video = videos.upload_thumbnail(new_video(), str(thumb))
    req = [r for r in emu.requests if r.path.endswith("/thumbnail")][-1]
    assert b'filename="poster.jpg"' in req.body and video.video_id
