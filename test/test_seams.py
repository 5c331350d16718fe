"""Where two features meet: call options with token uploads, wrapped and text files, parallel parts with a fatal
answer, a file that changes during its upload, answers the client must refuse, a client that crosses fork(),
closing, and the official client's auth hook. All over real HTTP against the emulator."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import signal
import traceback

import pytest
from _content import sample as _data
from _content import sha as _sha

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload

MIB = 1024 * 1024
CHUNK = 5 * MIB
SOURCE = r"/videos/[^/]+/source$"




@pytest.fixture
def videos(client):
    return VideosApi(client)


@pytest.fixture
def token(client):
    return UploadTokensApi(client).create_token(TokenCreationPayload(ttl=3600)).token


def _count_videos(videos: VideosApi) -> int:
    return int(videos.list(page_size=100).pagination.items_total)


def _upload_requests(emu):
    return [r for r in emu.requests if r.path == "/upload" or r.path.endswith("/source")]


# --------------------------------------------------------------------------- call options x token uploads


@pytest.mark.parametrize(
    "option", [{"_return_http_data_only": False}, {"_preload_content": False}], ids=["tuple", "unpreloaded"]
)
def test_token_upload_makes_one_video_whatever_the_caller_asks_to_get_back(emu, videos, token, option):
    data = _data(3 * CHUNK + 7)
    before = _count_videos(videos)
    result = videos.upload_with_upload_token(token, data, **option)
    assert _count_videos(videos) == before + 1
    sent = _upload_requests(emu)
    assert len(sent) == 4
    video_ids = {r.body.split(b'name="videoId"\r\n\r\n')[1][:40].split(b"\r")[0] for r in sent[1:]}
    assert len(video_ids) == 1  # every chunk after the first names the video the first one created
    video_id = video_ids.pop().decode()
    assert emu.source_sha256(video_id) == _sha(data)
    if "_return_http_data_only" in option:
        video, status, headers = result
        assert video.video_id == video_id and status in (200, 201) and "Content-Type" in headers
    else:
        assert json.loads(result.data)["videoId"] == video_id


def test_progressive_token_session_carries_its_video_whatever_is_asked(emu, client, videos, token):
    session = videos.create_upload_with_upload_token_progressive_session(token)
    first = _data(CHUNK, seed=1)
    last = _data(1000, seed=2)
    raw = session.upload_part(first, _preload_content=False)
    assert json.loads(raw.data)["videoId"] == session.video_id
    video, status, _ = session.upload_last_part(last, _return_http_data_only=False)
    assert video.video_id == session.video_id and status in (200, 201)
    assert emu.source_sha256(video.video_id) == _sha(first + last)


# --------------------------------------------------------------------------- file objects that are not plain files


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open], ids=["gzip", "bz2", "lzma"])
def test_compressed_file_objects_upload_their_decompressed_bytes(emu, videos, tmp_path, opener):
    data = _data(CHUNK + 12345, seed=5)  # two chunks
    path = tmp_path / "clip.mp4.z"
    with opener(path, "wb") as out:
        out.write(data)
    video_id = videos.create(VideoCreationPayload(title="compressed")).video_id
    with opener(path, "rb") as f:
        videos.upload(video_id, f)
        assert not f.closed
    assert emu.source_sha256(video_id) == _sha(data)


def test_parallel_parts_of_a_wrapped_file_are_byte_exact(emu, client, videos, tmp_path):
    client.configuration.upload_concurrency = 4
    data = _data(5 * CHUNK + 99, seed=6)
    path = tmp_path / "clip.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(data)
    video_id = videos.create(VideoCreationPayload(title="parallel gzip")).video_id
    with gzip.open(path, "rb") as f:
        videos.upload(video_id, f)
    assert emu.source_sha256(video_id) == _sha(data)


@pytest.mark.parametrize(
    "make", [lambda p: io.StringIO("text"), lambda p: open(p, encoding="utf-8")], ids=["StringIO", "text-mode"]  # noqa: SIM115
)
def test_text_streams_are_refused_before_any_request(emu, videos, tmp_path, make):
    path = tmp_path / "notes.txt"
    path.write_text("not a video")
    emu.clear_requests()
    stream = make(path)
    try:
        with pytest.raises(apivideo.ApiTypeError, match=r"VideosApi.upload\(\) argument 'file'.*text stream"):
            videos.upload("vi1", stream)
    finally:
        stream.close()
    assert emu.requests == []


def test_a_file_that_shrinks_during_its_upload_is_an_upload_error(emu, videos, tmp_path):
    path = tmp_path / "growing.mp4"
    path.write_bytes(_data(3 * CHUNK, seed=7))
    video_id = videos.create(VideoCreationPayload(title="shrinks")).video_id

    def truncate_after_first_chunk(done, total):
        if done == CHUNK:
            os.truncate(path, CHUNK + 1000)

    with pytest.raises(apivideo.UploadError) as info:
        videos.upload(video_id, str(path), _progress_listener=truncate_after_first_chunk)
    error = info.value
    assert error.video_id == video_id and error.bytes_acknowledged == CHUNK
    assert "truncated" in str(error) and "header" not in str(error)


# --------------------------------------------------------------------------- parallel parts x a fatal answer


def _held_bytes(videos: VideosApi, video_id: str) -> int:
    ranges = videos.get_status(video_id).ingest.received_bytes or []
    return sum(r.to - r._from + 1 for r in ranges)


def test_parallel_upload_stops_at_the_first_fatal_answer(emu, client, videos):
    client.configuration.upload_concurrency = 4
    data = _data(8 * CHUNK, seed=8)
    video_id = videos.create(VideoCreationPayload(title="forbidden")).video_id
    emu.clear_requests()
    emu.inject("status", status=403, path_regex=SOURCE, skip=1)
    with pytest.raises(apivideo.UploadError) as info:
        videos.upload(video_id, data)
    error = info.value
    assert isinstance(error, apivideo.ForbiddenException)  # still caught as the answer's own class
    assert error.video_id == video_id and error.status == 403
    sent = _upload_requests(emu)
    assert len(sent) < 8  # queued chunks were never started
    assert not any(r.headers["Content-Range"].startswith(f"bytes {7 * CHUNK}-") for r in sent)  # nor the last
    assert error.bytes_acknowledged == _held_bytes(videos, video_id)
    assert "resume" not in str(error)  # a refusal is not something resuming fixes


def test_parallel_upload_cut_off_raises_an_upload_error_that_resumes(emu, client, videos, sleeps):
    client.configuration.upload_concurrency = 3
    client.configuration.retries = 0
    data = _data(6 * CHUNK + 5, seed=9)
    video_id = videos.create(VideoCreationPayload(title="dropped")).video_id
    emu.inject("drop", path_regex=SOURCE, skip=2)
    with pytest.raises(apivideo.UploadError) as info:
        videos.upload(video_id, data)
    error = info.value
    assert isinstance(error, apivideo.ApiConnectionException)
    assert error.bytes_acknowledged == _held_bytes(videos, video_id)
    assert f"upload('{video_id}', file, resume=True)" in str(error)
    videos.upload(video_id, data, resume=True)
    assert emu.source_sha256(video_id) == _sha(data)


def test_token_upload_error_advises_what_works_with_a_token(emu, videos, token, sleeps):
    emu.inject("status", status=503, path="/upload", skip=1, count=10)
    with pytest.raises(apivideo.UploadError) as info:
        videos.upload_with_upload_token(token, _data(2 * CHUNK + 1))
    text = str(info.value)
    assert f"upload_with_upload_token(token, file, video_id='{info.value.video_id}')" in text
    assert token not in text


# --------------------------------------------------------------------------- secrets


def _everything_about(exc: BaseException) -> str:
    """What a user could print: the message, repr, fields, cause chain and formatted traceback."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    for attr in ("body", "reason", "headers", "problem", "cause"):
        parts.append(repr(getattr(exc, attr, None)))
    cause = getattr(exc, "cause", None)
    if cause is not None:
        parts.append(str(cause) + repr(getattr(cause, "body", None)))
    return "\n".join(parts)


def test_an_access_token_with_a_newline_never_appears_in_the_error(emu, videos, client):
    secret = "eyJhbGciOiJIUzI1NiJ9.secret-token-value"
    answer = json.dumps({"access_token": secret + "\n", "token_type": "Bearer", "expires_in": 3600}).encode()
    emu.inject("raw", status=200, body=answer, path="/auth/api-key")
    fresh = apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host))
    with pytest.raises(apivideo.ApiAuthException, match="malformed token answer") as info:
        VideosApi(fresh).get("vi1")  # a token that cannot be sent as it is, is refused when it arrives
    assert secret not in _everything_about(info.value)
    config = Configuration(host=emu.host, access_token=secret + "\u20ac")  # one of the caller's own, not latin-1
    with pytest.raises(apivideo.ApiValueError, match="Authorization") as info:
        VideosApi(apivideo.ApiClient(config)).get("vi1")
    assert secret not in _everything_about(info.value)


def test_token_upload_errors_never_hold_the_token(emu, videos, token, sleeps):
    echo = json.dumps({"title": f"bad token {token}", "status": 500}).encode()
    emu.inject("raw", status=500, body=echo, path="/upload", skip=1, count=10)
    with pytest.raises(apivideo.UploadError) as info:
        videos.upload_with_upload_token(token, _data(2 * CHUNK + 1))
    assert token not in _everything_about(info.value)
    emu.clear_faults()
    session = videos.create_upload_with_upload_token_progressive_session(token)
    session.upload_part(_data(CHUNK))
    emu.inject("raw", status=500, body=echo, path="/upload", count=10)
    with pytest.raises(apivideo.ApiException) as info2:
        session.upload_last_part(b"tail")
    assert token not in _everything_about(info2.value)


def test_credentials_are_hidden_from_vars_and_to_str(emu, client):
    assert emu.api_key not in repr(vars(client)) and emu.api_key not in repr(client)
    from apivideo.model.webhook import Webhook

    hook = Webhook(webhook_id="wh1", signature_secret="s3cr3t-signing-key")
    assert "s3cr3t-signing-key" not in hook.to_str() and "s3cr3t-signing-key" not in repr(hook)
    assert hook.to_dict()["signature_secret"] == "s3cr3t-signing-key"  # the data itself is still there


# --------------------------------------------------------------------------- answers the client must refuse


@pytest.mark.parametrize("status", [200, 400])
def test_deeply_nested_json_is_an_api_exception(emu, videos, status):
    body = b'{"a":' * 1100 + b"1" + b"}" * 1100
    emu.inject("raw", status=status, body=body, path="/videos/vi1")
    with pytest.raises(apivideo.ApiException) as info:
        videos.get("vi1")
    assert info.value.status == status


def test_a_redirect_is_an_error_not_a_video(emu, videos):
    body = json.dumps({"videoId": "vi-elsewhere", "title": "not yours"}).encode()
    emu.inject("raw", status=302, body=body, path="/videos/vi1", headers={"Location": "https://example.invalid/x"})
    with pytest.raises(apivideo.ApiException, match="redirects are not followed") as info:
        videos.get("vi1")
    assert info.value.status == 302


# --------------------------------------------------------------------------- fork() and close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_client_used_before_fork_gives_each_child_its_own_answers(emu, videos):
    videos.list()  # the parent's pooled connection now exists
    children = []
    for worker in range(8):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            failures = 0
            try:
                for i in range(10):
                    title = f"child {worker} video {i}"
                    created = videos.create(VideoCreationPayload(title=title))
                    got = videos.get(created.video_id)
                    failures += got.video_id != created.video_id or got.title != title
            except BaseException:
                failures += 100
            os._exit(min(failures, 200))
        children.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0] * 8
    assert videos.list(page_size=100).pagination.items_total == 80  # the parent's own client still works


def _established_to(port: int) -> int:
    """Client-side TCP connections to ``port`` that are still open."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += 1
    return count


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads /proc/net/tcp")
def test_leaving_with_closes_every_socket_even_while_the_client_is_referenced(emu):
    port = int(emu.host.rsplit(":", 1)[1])
    emu.clear_requests()
    before = _established_to(port)
    kept = []
    for _ in range(20):
        with apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host)) as c:
            VideosApi(c).list()
        kept.append(c)
    assert _established_to(port) <= before
    assert len(kept) == 20


# --------------------------------------------------------------------------- the official auth hook


def test_overriding_update_params_for_auth_works_as_with_the_official_client(emu):
    client = apivideo.AuthenticatedApiClient("__KEY__", configuration=Configuration(host=emu.host))
    client.update_params_for_auth = lambda *args: None  # what the official client's own tests do
    emu.clear_requests()
    with pytest.raises(apivideo.UnauthorizedException):
        VideosApi(client).get("vi1")
    assert [r.path for r in emu.requests] == ["/videos/vi1"]  # no token exchange happened
    assert "Authorization" not in emu.requests[0].headers


def test_a_custom_update_params_for_auth_sets_the_header(emu):
    client = apivideo.ApiClient(Configuration(host=emu.host))
    seen = []

    def custom(headers, querys, auth_settings, resource_path, method, body):
        seen.append((auth_settings, resource_path, method))
        headers["Authorization"] = "Basic " + __import__("base64").b64encode(f"{emu.api_key}:".encode()).decode()

    client.update_params_for_auth = custom
    assert VideosApi(client).list().data == []
    assert seen == [(["apiKey"], "/videos", "GET")]


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
def test_the_auth_lock_of_a_forked_child_is_its_own(emu, client):
    """A fork while another thread holds the token lock must not leave the child's client deadlocked."""
    client._lock.acquire()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            signal.alarm(5)
            try:
                client.refresh_token()
                os._exit(0)
            except BaseException:
                os._exit(1)
    finally:
        client._lock.release()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


# --------------------------------------------------------------------------- odd status answers, many parallel parts


def test_resume_survives_a_malformed_status_answer(emu, videos):
    data = _data(3 * CHUNK, seed=10)
    video_id = videos.create(VideoCreationPayload(title="odd status")).video_id
    odd = {"ingest": {"status": "uploading", "receivedBytes": [{"from": 0, "to": None, "total": len(data)},
                                                                {"from": "0", "to": "5242879"}, None]},
           "encoding": {"playable": False}}  # fmt: skip
    emu.inject("raw", status=200, body=json.dumps(odd).encode(), path=f"/videos/{video_id}/status")
    videos.upload(video_id, data, resume=True)  # what the answer did not clearly cover is sent
    assert emu.source_sha256(video_id) == _sha(data)


def test_sixteen_parallel_parts_discard_no_pooled_connection(emu, client, videos, caplog):
    client.configuration.upload_concurrency = 16
    fresh = apivideo.AuthenticatedApiClient(emu.api_key, configuration=client.configuration)
    data = _data(17 * CHUNK + 1, seed=11)
    with fresh, caplog.at_level("WARNING", logger="urllib3"):
        api = VideosApi(fresh)
        video_id = api.create(VideoCreationPayload(title="sixteen")).video_id
        api.upload(video_id, data)
    assert emu.source_sha256(video_id) == _sha(data)
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


# --------------------------------------------------------------------------- found by an outside review


def test_an_answer_that_closes_the_connection_leaves_no_dead_socket_in_the_pool(emu, videos):
    emu.inject("raw", status=200, body=b'{"data": [], "pagination": {"links": []}}', path="/videos",
               headers={"Connection": "close"})  # fmt: skip
    for _ in range(3):
        assert videos.list().data == []


def test_a_deeply_nested_problem_document_is_redacted_without_recursion(emu, videos, token):
    body = b'{"title": "' + token.encode() + b'", "a":' + b'{"a":' * 600 + b"1" + b"}" * 601
    emu.inject("raw", status=400, body=body, path="/upload")
    with pytest.raises(apivideo.BadRequestException) as info:
        videos.upload_with_upload_token(token, b"data")
    assert token not in _everything_about(info.value)


def test_bytes_still_in_the_write_buffer_are_uploaded(emu, videos, tmp_path):
    data = _data(CHUNK + 10, seed=20)
    with open(tmp_path / "fresh.mp4", "w+b") as f:
        f.write(data)  # not flushed: part of it is still in Python's buffer
        video_id = videos.create(VideoCreationPayload(title="unflushed")).video_id
        videos.upload(video_id, f)
    assert emu.source_sha256(video_id) == _sha(data)


def test_a_progress_listener_that_raises_stops_the_upload_with_its_own_error(emu, videos):
    video_id = videos.create(VideoCreationPayload(title="listener")).video_id

    def listener(done, total):
        raise BrokenPipeError("stdout was closed")

    with pytest.raises(BrokenPipeError):
        videos.upload(video_id, _data(2 * CHUNK + 1), _progress_listener=listener, _request_timeout=(5, 5))


def test_cancelling_a_one_request_upload_raises_upload_cancelled(emu, videos):
    import threading

    stop = threading.Event()
    stop.set()
    video_id = videos.create(VideoCreationPayload(title="cancelled"))
    with pytest.raises(apivideo.UploadCancelled):
        videos.upload(video_id.video_id, b"small", cancel=stop)


def test_local_read_errors_are_not_taken_for_network_errors(emu, videos, tmp_path, sleeps):
    path = tmp_path / "write-only.mp4"
    path.write_bytes(b"x" * 100)
    video_id = videos.create(VideoCreationPayload(title="unreadable")).video_id
    emu.clear_requests()
    with open(path, "ab") as f, pytest.raises(apivideo.OpenApiException) as info:
        videos.upload(video_id, f)
    assert not isinstance(info.value, apivideo.ApiConnectionException) and sleeps == []
