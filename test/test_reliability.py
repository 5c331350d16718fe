"""Reliability: uploads survive injected faults, one client survives token expiry under 16 threads, and a server
answering garbage yields a clear ApiException with bounded memory and time.

The soak test runs for at most ``APIVIDEO_SOAK_SECONDS`` (default 20) and ``APIVIDEO_SOAK_UPLOADS`` uploads
(default 120); raise both for a longer run. ``APIVIDEO_SOAK_SEED`` picks the fault sequence.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import threading
import time
import tracemalloc
from typing import Any, Dict, List, Optional, Set

import pytest
from _garbage_server import GarbageServer, drip, fixed, huge, silent
from _threads import is_emulator_thread, run_for_at_most, threads_left_since

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.exceptions import (
    ApiConnectionException,
    ApiException,
    ApiTimeoutException,
    ServiceException,
    UploadError,
)
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.retry import RetryPolicy

MIB = 1024 * 1024
CHUNK = 5 * MIB
SOAK_SECONDS = float(os.environ.get("APIVIDEO_SOAK_SECONDS", "20"))
SOAK_UPLOADS = int(os.environ.get("APIVIDEO_SOAK_UPLOADS", "120"))
SOAK_SEED = int(os.environ.get("APIVIDEO_SOAK_SEED", "20240601"))
READ_TIMEOUT = 1.0
SOAK_READ_TIMEOUT = 0.6


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _all_video_ids(videos: VideosApi) -> Set[str]:
    ids: Set[str] = set()
    for page in range(1, 50):
        resp = videos.list(page_size=100, current_page=page)
        ids.update(v.video_id for v in resp.data)
        if page >= resp.pagination.pages_total:
            return ids
    raise AssertionError("too many pages")


# --------------------------------------------------------------------------- soak


class _Soak:
    def __init__(self, emu: Any, client: apivideo.AuthenticatedApiClient, rng: random.Random) -> None:
        self.emu, self.client, self.rng = emu, client, rng
        self.videos = VideosApi(client)
        self.token = UploadTokensApi(client).create_token(TokenCreationPayload(ttl=0)).token
        self.expected: Set[str] = set()
        self.known = _all_video_ids(self.videos)
        self.successes = 0
        self.failures: List[ApiException] = []
        self.kinds: Dict[str, int] = {}
        self.faults: Dict[str, int] = {}
        self.durations: List[float] = []
        self.problems: List[str] = []
        self.slow_answer_pending = False

    def check(self, ok: bool, problem: str) -> bool:
        """A soft assertion: the loop goes on, every problem is reported at the end."""
        if not ok:
            self.problems.append(problem)
        return ok

    def _size(self, kind: str) -> int:
        r = self.rng.random()
        if kind == "chunked":
            return self.rng.randint(CHUNK + 1, int(2.4 * CHUNK))
        if r < 0.85:
            return self.rng.randint(1, 64 * 1024)
        top = CHUNK if kind == "single" else int(2.4 * CHUNK)
        return self.rng.randint(64 * 1024, top)

    def _inject(self, upload_path: str, requests: int) -> None:
        for _ in range(self.rng.choice([0, 1, 1, 1, 2, 2, 3])):
            roll = self.rng.random()
            skip = self.rng.randrange(max(1, requests))
            regex = upload_path
            if roll < 0.3:
                kind, kw = "drop", {}
            elif roll < 0.6:
                kind, kw = "status", {"status": self.rng.choice([500, 502, 503, 503, 504])}
            elif roll < 0.8:
                kind, kw = "status", {"status": 429, "retry_after": self.rng.choice([0, 1, 2.5, 30])}
            elif roll < 0.97:
                kind, kw = "latency", {"delay": self.rng.uniform(0.02, 0.25)}
            else:
                kind, kw = "latency", {"delay": SOAK_READ_TIMEOUT + 0.2}  # the answer comes after the client gave up
                self.slow_answer_pending = True
            if kind != "latency" and self.rng.random() < 0.2:
                regex, skip = r"^/(videos|upload-tokens)$", 0  # the creation call itself
            name = f"{kind}:{kw.get('status', '')}{'slow' if kw.get('delay', 0) > SOAK_READ_TIMEOUT else ''}"
            self.faults[name] = self.faults.get(name, 0) + 1
            self.emu.inject(kind, skip=skip, path_regex=regex, **kw)

    def one(self) -> None:
        kind = self.rng.choices(["single", "chunked", "token", "progressive"], weights=[30, 18, 26, 26])[0]
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        size = self._size(kind)
        data = self.rng.randbytes(size)
        requests = -(-size // CHUNK)
        self._inject(r"^/upload$" if kind == "token" else r"^/videos/[^/]+/source$", requests)
        started = time.monotonic()
        created: Optional[str] = None
        result: Any = None
        error: Optional[BaseException] = None
        try:
            if kind == "token":
                result = self.videos.upload_with_upload_token(self.token, data)
            else:
                created = self.videos.create(VideoCreationPayload(title=f"soak-{kind}")).video_id
                if kind == "progressive":
                    session = self.videos.create_upload_progressive_session(created)
                    parts = [data[i : i + CHUNK] for i in range(0, size, CHUNK)]
                    for part in parts[:-1]:
                        session.upload_part(part)
                    result = session.upload_last_part(parts[-1])
                else:
                    result = self.videos.upload(created, data)
        except Exception as exc:
            error = exc
        finally:
            self.emu.clear_faults()
        self.durations.append(time.monotonic() - started)
        if self.slow_answer_pending:  # let a request the client gave up on finish on the server first
            time.sleep(0.4)
            self.slow_answer_pending = False

        now = _all_video_ids(self.videos)
        new = now - self.known
        self.known = now
        what = f"{kind} upload of {size} B"
        if created:
            self.expected.add(created)
            self.check(new == {created}, f"{what}: videos created besides {created}: {sorted(new - {created})}")
        else:
            self.check(len(new) <= 1, f"{what} with an upload token created {len(new)} videos")
            self.expected |= new
        if error is None:
            self.successes += 1
            vid = getattr(result, "video_id", None)
            if not self.check(vid in now, f"{what}: reported video {vid} does not exist"):
                return
            self.check(self.emu.source_sha256(vid) == _sha(data), f"{what}: reported successful, not byte-exact")
            self.check(vid == created if created else vid in new, f"{what}: answered with another video {vid}")
            return
        self.failures.append(error)
        if not self.check(isinstance(error, ApiException), f"{what}: {type(error).__name__}: {error}"):
            return
        assert isinstance(error, ApiException)
        message = str(error)
        self.check(bool(message) and len(message) < 2000, f"{what}: empty or huge message")
        if isinstance(error, UploadError):
            self.check("resume" in message and bool(error.video_id), f"{what}: no resume advice: {message}")
        else:
            self.check(bool(error.route or error.status), f"{what}: the error says neither where nor what: {message}")


def test_soak_uploads_under_random_faults(emu):
    rng = random.Random(SOAK_SEED)
    sleeps: List[float] = []
    cfg = Configuration(
        host=emu.host, chunk_size=CHUNK, read_timeout=SOAK_READ_TIMEOUT, connect_timeout=1.0,
        retries=RetryPolicy(max_retries=3),
    )  # fmt: skip
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=cfg) as client:
        client._sleep = sleeps.append
        soak = _Soak(emu, client, rng)

        def loop() -> int:
            started = time.monotonic()
            count = 0
            while count < SOAK_UPLOADS and time.monotonic() - started < SOAK_SECONDS:
                soak.one()
                count += 1
            return count

        outcome = run_for_at_most(loop, SOAK_SECONDS + 30)
        assert not outcome["hung"], "the soak loop hung past its deadline"
        if "error" in outcome:
            raise outcome["error"]
        count = outcome["result"]
        print(
            f"soak: {count} uploads in {outcome['elapsed']:.1f} s, {soak.successes} ok, {len(soak.failures)} failed,"
            f" kinds {soak.kinds}, faults {soak.faults}, {len(sleeps)} waits"
        )
        assert not soak.problems, f"{len(soak.problems)} problems: " + "; ".join(soak.problems[:10])
        assert count >= min(100, SOAK_UPLOADS), f"only {count} uploads in {SOAK_SECONDS} s"
        assert set(soak.kinds) == {"single", "chunked", "token", "progressive"}
        assert _all_video_ids(soak.videos) == soak.expected, "extra or missing videos"
        assert soak.successes + len(soak.failures) == count
        assert soak.successes >= count // 2, f"too few successes: {soak.successes}/{count}"
        per_upload_bound = 4 * 4 * (SOAK_READ_TIMEOUT + 1.0)  # 4 attempts of at most 3 requests + creation
        assert max(soak.durations) < per_upload_bound, f"an upload took {max(soak.durations):.1f} s"
        assert all(0 <= s <= cfg.retries.max_retry_after for s in sleeps)
        assert 2.5 in sleeps or 30 in sleeps or soak.faults.get("status:429", 0) < 3, "Retry-After was not honoured"


# --------------------------------------------------------------------------- precise fault scenarios


@pytest.fixture
def short_client(emu):
    cfg = Configuration(host=emu.host, chunk_size=CHUNK, read_timeout=0.5, connect_timeout=1.0)
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=cfg) as client:
        client._sleep = lambda s: None
        yield client


def test_token_upload_whose_answer_is_lost_creates_one_video(emu, short_client):
    """The server took the file and created the video, but the answer came after the read timeout: the retry
    must not create a second video (a POST that creates something is retried only if it never reached the
    server)."""
    videos = VideosApi(short_client)
    token = UploadTokensApi(short_client).create_token(TokenCreationPayload(ttl=0)).token
    emu.inject("latency", delay=0.9, path="/upload")
    with contextlib.suppress(ApiException):
        videos.upload_with_upload_token(token, b"small video")
    time.sleep(0.6)  # let the delayed request finish on the server
    ids = _all_video_ids(videos)
    uploads = [r for r in emu.requests if r.path == "/upload"]
    assert len(ids) == 1, f"{len(uploads)} POST /upload for one file created {len(ids)} videos"


def test_chunked_upload_error_advice_works(emu, client, sleeps):
    videos = VideosApi(client)
    vid = videos.create(VideoCreationPayload(title="advice")).video_id
    data = random.Random(3).randbytes(CHUNK + 1000)
    emu.inject("status", status=500, path="/videos/{videoId}/source", skip=1)
    with pytest.raises(UploadError) as err:
        videos.upload(vid, data)
    message = str(err.value)
    assert f"upload('{vid}', file, resume=True)" in message
    assert err.value.bytes_acknowledged == CHUNK
    videos.upload(vid, data, resume=True)
    assert emu.source_sha256(vid) == _sha(data)


def test_progressive_upload_error_advice_works(emu, client, sleeps):
    """Whatever an UploadError of a progressive session tells the user to do must complete the video."""
    videos = VideosApi(client)
    vid = videos.create(VideoCreationPayload(title="progressive")).video_id
    rng = random.Random(4)
    part1, part2 = rng.randbytes(CHUNK), rng.randbytes(1000)
    session = videos.create_upload_progressive_session(vid)
    session.upload_part(part1)
    emu.inject("status", status=500, path="/videos/{videoId}/source")
    with pytest.raises(UploadError) as err:
        session.upload_last_part(part2)
    message = str(err.value)
    if "resume=True" in message:
        videos.upload(vid, part1 + part2, resume=True)  # the advice, followed literally
    else:
        session.upload_last_part(part2)
    assert emu.source_sha256(vid) == _sha(part1 + part2)


def test_drop_mid_body_on_every_attempt_fails_cleanly(emu, client, sleeps):
    videos = VideosApi(client)
    vid = videos.create(VideoCreationPayload(title="drops")).video_id
    emu.inject("drop", path="/videos/{videoId}/source", count=10)
    started = time.monotonic()
    with pytest.raises(ApiConnectionException) as err:
        videos.upload(vid, b"x" * 100_000)
    assert time.monotonic() - started < 5
    assert len(sleeps) == client.configuration.retries.max_retries
    assert "POST /videos/{videoId}/source" in str(err.value)
    assert emu.source_sha256(vid) is None


# --------------------------------------------------------------------------- threads and token expiry


def _our_threads() -> Set[threading.Thread]:
    return {t for t in threading.enumerate() if not is_emulator_thread(t)}


def test_sixteen_threads_share_one_client_across_token_expiries(emu, config):
    lifetime = 1.5
    calls_per_thread, pace = 40, 0.1
    before = _our_threads()
    errors: List[BaseException] = []
    done = [0]
    lock = threading.Lock()
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        client._sleep = lambda s: None
        videos = VideosApi(client)
        vid = videos.create(VideoCreationPayload(title="threads")).video_id
        emu.token_lifetime = lifetime
        client.refresh_token()  # from now on every access token lives 1.5 s
        emu.clear_requests()
        started = time.monotonic()

        def worker(n: int) -> None:
            for i in range(calls_per_thread):
                try:
                    if (i + n) % 2:
                        assert videos.get(vid).video_id == vid
                    else:
                        assert videos.list(page_size=5).pagination.items_total == 1
                    with lock:
                        done[0] += 1
                except BaseException as exc:
                    errors.append(exc)
                time.sleep(pace)

        threads = [threading.Thread(target=worker, args=(n,), name=f"worker-{n}") for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - started
        assert not any(t.is_alive() for t in threads), "a worker thread hung"
    requests = emu.requests
    assert not errors, f"{len(errors)} failures, first: {errors[0]!r}"
    assert done[0] == 16 * calls_per_thread
    refreshes = sum(1 for r in requests if r.method == "POST" and r.path == "/auth/refresh")
    key_exchanges = sum(1 for r in requests if r.path == "/auth/api-key")
    unauthorized = sum(1 for r in requests if r.status == 401)
    expiries = elapsed / lifetime
    assert key_exchanges == 0, "a refresh raced another one and fell back to the API key"
    assert refreshes >= math.floor(expiries) - 1 and refreshes >= 1
    # one per (slightly early) renewal, plus at most one per 401 replay
    assert refreshes <= math.ceil(elapsed / (lifetime * 0.9)) + 1 + unauthorized, (refreshes, elapsed, unauthorized)
    assert unauthorized <= refreshes + 1
    api_calls = [r for r in requests if not r.path.startswith("/auth/")]
    assert len(api_calls) == 16 * calls_per_thread + unauthorized
    leftover = threads_left_since(before)
    assert not leftover, f"threads left behind: {[t.name for t in leftover]}"


# --------------------------------------------------------------------------- garbage answers


@pytest.fixture
def strict(emu):
    """A client that does not retry, so each garbage answer is seen once."""
    cfg = Configuration(host=emu.host, username=emu.api_key, retries=0, read_timeout=READ_TIMEOUT)
    client = apivideo.ApiClient(cfg)
    yield VideosApi(client)
    client.close()


HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>nginx</body></html>"


@pytest.mark.parametrize(
    "status, body, content_type",
    [
        (500, HTML, "text/html"),
        (502, HTML, "text/html"),
        (404, HTML, "text/html"),
        (400, b"", "application/json"),
        (400, b'{"title": "trunc', "application/problem+json"),
        (503, b"\xff\xfe\x00garbage", "application/octet-stream"),
        (200, HTML, "text/html"),
        (200, b'{"videoId": "vi1", "tit', "application/json"),
        (200, b"", "application/json"),
        (200, b"<video><id>1</id></video>", "application/xml"),
        (200, b"[]", "application/json"),
        (200, b"null", "application/json"),
        (200, b'"a string"', "application/json"),
        (200, b'{"videoId": "vi1", "createdAt": "not a date"}', "application/json"),
        (200, b'{"videoId": "vi1", "assets": [1, 2]}', "application/json"),
    ],
    ids=[
        "500-html", "502-html", "404-html", "400-empty", "400-truncated-json", "503-binary", "200-html",
        "200-truncated-json", "200-empty", "200-xml", "200-array", "200-null", "200-string", "200-bad-date",
        "200-bad-nested",
    ],
)  # fmt: skip
def test_garbage_answer_gives_a_clear_api_exception(emu, strict, status, body, content_type):
    emu.inject("raw", status=status, body=body, content_type=content_type)
    with pytest.raises(Exception) as err:
        strict.get("vi1")
    exc = err.value
    assert isinstance(exc, ApiException), f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    assert exc.status == status
    text = str(exc)
    assert "GET /videos/{videoId}" in text
    assert len(text) < 1000
    if status >= 500:
        assert isinstance(exc, ServiceException)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"status": 500, "title": "Internal error", "type": "https://docs.api.video/x"}', "application/json"),
        (b'{"videoId": "vi1", "title": "t"}', "text/plain"),
        (b'{"videoId": "vi1", "title": "t"}', "application/problem+json"),
    ],
    ids=["200-error-shape", "200-text-plain", "200-problem-json"],
)  # fmt: skip
def test_odd_successful_answers_give_a_model_or_an_api_exception(emu, strict, body, content_type):
    emu.inject("raw", status=200, body=body, content_type=content_type)
    try:
        result = strict.get("vi1")
    except ApiException:
        return
    assert type(result).__name__ == "Video"
    if b"error" in body.lower():
        assert not result.video_id, "an error document must not look like a video"


def test_truncated_transport_body_is_a_connection_error():
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n" + b'{"videoId": "v'
    with GarbageServer(fixed(raw)) as server:
        api = VideosApi(apivideo.ApiClient(Configuration(host=server.host, retries=0, read_timeout=READ_TIMEOUT)))
        outcome = run_for_at_most(lambda: api.get("vi1"), READ_TIMEOUT + 3)
    assert not outcome["hung"]
    assert isinstance(outcome.get("error"), ApiConnectionException), outcome


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_error_body_keeps_memory_bounded(chunked):
    size = 50 * MIB
    with GarbageServer(huge(size, status=500, chunked=chunked)) as server:
        client = apivideo.ApiClient(Configuration(host=server.host, retries=0, read_timeout=5.0))
        api = VideosApi(client)
        api.api_client.rest_client.pool_manager  # noqa: B018 - warm imports before measuring
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            started = time.monotonic()
            with pytest.raises(ServiceException) as err:
                api.get("vi1")
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        client.close()
    assert peak - baseline < 2 * MIB, f"peak {(peak - baseline) / MIB:.1f} MiB above baseline"
    assert elapsed < 5
    assert err.value.status == 500
    assert len(err.value.body or "") <= 64 * 1024
    assert len(str(err.value)) < 1000


@pytest.mark.parametrize("in_headers", [False, True], ids=["drip-body", "drip-headers"])
def test_slow_drip_fails_within_the_read_timeout(in_headers):
    """1 byte every 0.2 s: each read is quick, but the answer never completes. The call must give up within the
    configured read timeout (plus a margin), with ApiTimeoutException."""
    body = json.dumps({"videoId": "vi1", "title": "drip" * 10}).encode()
    with GarbageServer(drip(body, 0.2, in_headers=in_headers)) as server:
        client = apivideo.ApiClient(Configuration(host=server.host, retries=0, read_timeout=READ_TIMEOUT))
        outcome = run_for_at_most(lambda: VideosApi(client).get("vi1"), READ_TIMEOUT + 2.5)
        hung = outcome["hung"]
    outcome["thread"].join(5)  # stopping the server closed the socket: the call ends now
    assert not hung, f"still reading after {READ_TIMEOUT + 2.5} s with read_timeout={READ_TIMEOUT}"
    assert isinstance(outcome.get("error"), ApiTimeoutException), outcome


def test_silent_server_fails_within_the_read_timeout():
    with GarbageServer(silent(10)) as server:
        client = apivideo.ApiClient(Configuration(host=server.host, retries=0, read_timeout=0.5))
        outcome = run_for_at_most(lambda: VideosApi(client).get("vi1"), 3)
    assert not outcome["hung"]
    assert isinstance(outcome.get("error"), ApiTimeoutException)
    assert outcome["elapsed"] < 0.5 + 1.0
    assert "GET /videos/{videoId}" in str(outcome["error"])
