"""Timeouts hold where socket timeouts used to keep them.

Once connected, the SDK's sockets block like sockets without a timeout (so threads sharing a client do not hand
the GIL to one another around every send and receive), and each client's watchdog keeps the deadlines. These
tests check the deadlines over TLS, on a server that stops reading an upload, between the pieces of a throttled
upload, for one thread among several, and on a client used again after it was closed.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import ssl
import threading
import time
import warnings
from pathlib import Path
from typing import Any, List

import pytest
from _garbage_server import GarbageServer, drip, fixed, silent
from _threads import run_for_at_most

import apivideo
from apivideo import _deadline
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.exceptions import ApiConnectionException, ApiTimeoutException, ApiValueError
from apivideo.model.video_creation_payload import VideoCreationPayload

MIB = 1024 * 1024
TLS = Path(__file__).parent / "data" / "tls"  # a self-signed certificate for 127.0.0.1, valid until 2126
READ_TIMEOUT = 1.0
VIDEO = json.dumps({"videoId": "vi1", "title": "over TLS"}).encode()


def _server_tls() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(TLS / "cert.pem"), str(TLS / "key.pem"))
    return context


@pytest.mark.parametrize(
    "script",
    [silent(10), drip(VIDEO, 0.2), drip(VIDEO, 0.2, in_headers=True)],
    ids=["silent", "drip-body", "drip-headers"],
)  # fmt: skip
def test_over_tls_the_whole_answer_must_arrive_within_the_read_timeout(script):
    with GarbageServer(script, tls=_server_tls()) as server:
        config = Configuration(host=server.host, ssl_ca_cert=str(TLS / "cert.pem"), retries=0,
                               read_timeout=READ_TIMEOUT)  # fmt: skip
        with apivideo.ApiClient(config) as client:
            outcome = run_for_at_most(lambda: VideosApi(client).get("vi1"), READ_TIMEOUT + 3)
    assert not outcome["hung"]
    assert isinstance(outcome.get("error"), ApiTimeoutException), outcome
    assert READ_TIMEOUT - 0.05 <= outcome["elapsed"] < READ_TIMEOUT + 1.5
    assert "GET /videos/{videoId}" in str(outcome["error"])


def test_over_tls_an_answer_in_time_is_read_whole():
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(VIDEO), VIDEO)
    with GarbageServer(fixed(answer), tls=_server_tls()) as server:
        config = Configuration(host=server.host, ssl_ca_cert=str(TLS / "cert.pem"), retries=0, read_timeout=5)
        with apivideo.ApiClient(config) as client:
            videos = VideosApi(client)
            assert [videos.get("vi1").title for _ in range(3)] == ["over TLS"] * 3


def test_a_server_that_stops_reading_an_upload_fails_within_the_connect_timeout():
    """Loopback buffers hold a few MiB: a 40 MiB chunk fills them, and the send then waits on the server."""
    with GarbageServer(silent(20), read_body=False) as server:
        config = Configuration(host=server.host, retries=0, connect_timeout=0.5, chunk_size=64 * MIB)
        with apivideo.ApiClient(config) as client:
            outcome = run_for_at_most(lambda: VideosApi(client).upload("vi1", b"x" * (40 * MIB)), 10)
    assert not outcome["hung"]
    error = outcome.get("error")
    assert isinstance(error, ApiTimeoutException), outcome
    assert "timed out sending" in str(error)
    assert outcome["elapsed"] < 5


def test_pauses_of_a_bandwidth_cap_do_not_count_against_the_timeouts(emu):
    """Capped at 1 MiB/s, the upload pauses about a second between its 1 MiB blocks: far longer than the
    connect timeout that bounds each block's send."""
    content = bytes(range(256)) * (6 * 1024)  # 1.5 MiB
    config = Configuration(host=emu.host, connect_timeout=0.25, read_timeout=5)
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        videos = VideosApi(client)
        vid = videos.create(VideoCreationPayload(title="capped")).video_id
        started = time.monotonic()
        video = videos.upload(vid, content, max_bandwidth=MIB)
        elapsed = time.monotonic() - started
    assert video.video_id == vid
    assert emu.source_sha256(vid) == hashlib.sha256(content).hexdigest()
    assert elapsed > 0.4  # the cap did pause


def test_one_thread_timing_out_leaves_the_threads_sharing_its_client_alone(emu):
    config = Configuration(host=emu.host, read_timeout=0.5, retries=0)
    errors: List[BaseException] = []
    done = [0]
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        videos = VideosApi(client)
        slow = videos.create(VideoCreationPayload(title="slow")).video_id
        emu.inject("latency", delay=2.0, method="GET", path=f"/videos/{slow}")

        def busy() -> None:
            try:
                for _ in range(15):
                    assert videos.list(page_size=5).pagination.items_total == 1
                    done[0] += 1
            except BaseException as exc:  # collected, checked below
                errors.append(exc)

        workers = [threading.Thread(target=busy) for _ in range(4)]
        for worker in workers:
            worker.start()
        outcome = run_for_at_most(lambda: videos.get(slow), 5)
        for worker in workers:
            worker.join(10)
        again = videos.get(slow)  # the timed-out connection is not handed out again
    assert isinstance(outcome.get("error"), ApiTimeoutException), outcome
    assert outcome["elapsed"] < 0.5 + 1.0
    assert errors == []
    assert done[0] == 60
    assert again.title == "slow"


def test_a_client_used_again_after_close_still_keeps_its_deadlines():
    with GarbageServer(silent(10)) as server:
        client = apivideo.ApiClient(Configuration(host=server.host, retries=0, read_timeout=0.5))
        for _ in range(2):
            outcome = run_for_at_most(lambda: VideosApi(client).get("vi1"), 4)
            client.close()
            assert not outcome["hung"]
            assert isinstance(outcome.get("error"), ApiConnectionException)
            assert outcome["elapsed"] < 0.5 + 1.0


def test_clients_nobody_closes_leave_no_thread_once_idle(emu, monkeypatch):
    monkeypatch.setattr(_deadline, "IDLE_EXIT", 0.2)

    def watchdogs() -> List[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "apivideo-deadlines"]

    _deadline.WATCHDOG.close(wait=True)  # one watchdog serves the whole process: if a previous test started it
    assert watchdogs() == []
    # The watchdog looks again at least once per connect timeout, and ends after IDLE_EXIT more without calls.
    config = Configuration(host=emu.host, connect_timeout=0.3)
    for _ in range(20):  # a client per job, never closed (a web handler, say)
        client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
        assert VideosApi(client).list().data == []
        assert len(watchdogs()) == 1  # one for the whole process, however many clients
    waited = 0.0
    while watchdogs() and waited < 5:
        time.sleep(0.05)
        waited += 0.05
    assert watchdogs() == [], "the watchdog is still running with no call under way"
    assert VideosApi(client).list().data == []  # the next call starts it again
    assert len(watchdogs()) == 1
    client.close()
    for thread in watchdogs():
        thread.join(1.0)  # closing the last client with nothing under way ends it right away
    assert watchdogs() == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
def test_a_fork_finds_no_watchdog_thread_running(emu):
    """Prefork servers (gunicorn --preload, Celery) fork a process that has already made calls: its idle watchdog
    ends first, so the fork happens with no other thread (Python 3.12+ warns about forking with threads)."""
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host)) as client:
        videos = VideosApi(client)
        assert videos.list().data == []
        assert any(t.name == "apivideo-deadlines" for t in threading.enumerate())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pid = os.fork()
            if pid == 0:  # the child: nothing to do here
                os._exit(0)
            running = [t.name for t in threading.enumerate() if t.name == "apivideo-deadlines"]
        _, status = os.waitpid(pid, 0)
        assert status == 0
        assert running == []
        assert [str(w.message) for w in caught if "fork" in str(w.message)] == []
        assert videos.list().data == []  # the next call starts the watchdog again
        assert any(t.name == "apivideo-deadlines" for t in threading.enumerate())


def test_a_connection_whose_exchange_the_watchdog_ended_never_serves_another_request(emu, monkeypatch):
    """The watchdog can end an exchange just as its answer arrives, then lose the CPU before it shuts the socket
    down. The caller still reads its answer, but that connection must not go back to the pool: the late shutdown
    would kill whatever request used it next."""
    late: List[Any] = []
    real_shut_down = _deadline._shut_down
    monkeypatch.setattr(_deadline, "_shut_down", late.append)  # the watchdog, descheduled before shutting down
    real_readinto = _deadline._AnswerReader.readinto

    def readinto(self: Any, buffer: Any) -> int:
        if not late:
            _deadline.WATCHDOG._fire(self._exchange)  # the deadline passes as the answer arrives
        return real_readinto(self, buffer)

    monkeypatch.setattr(_deadline._AnswerReader, "readinto", readinto)
    real_request = _deadline._WatchedMixin.request

    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        for sock in late:
            real_shut_down(sock)  # the watchdog runs again: now
        return real_request(self, *args, **kwargs)

    monkeypatch.setattr(_deadline._WatchedMixin, "request", request)
    config = Configuration(host=emu.host, retries=0)
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        videos = VideosApi(client)
        assert videos.list().data == []  # the token exchange, then this: the answer arrived whole
        assert len(late) == 1
        assert [videos.list().data for _ in range(3)] == [[], [], []]


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), (5, float("inf")), (float("inf"), 5)])
def test_a_timeout_that_is_not_a_finite_number_of_seconds_is_refused_by_name(emu, bad):
    client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host))
    with client, pytest.raises(ApiValueError, match="'_request_timeout': expected a finite number of seconds"):
        VideosApi(client).list(_request_timeout=bad)
    if not isinstance(bad, tuple):
        for name in ("connect_timeout", "read_timeout"):
            with pytest.raises(ApiValueError, match=f"{name} must be a finite number of seconds > 0"):
                Configuration(**{name: bad})
    assert [r for r in emu.requests if r.path == "/videos"] == []  # refused before sending


def test_a_huge_timeout_neither_fails_the_call_nor_the_watchdog(emu, monkeypatch):
    crashed: List[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(repr(args.exc_value)))
    _deadline.WATCHDOG.close(wait=True)
    config = Configuration(host=emu.host, retries=0)
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        videos = VideosApi(client)
        emu.inject("latency", delay=0.3, method="GET", path="/videos")  # the watchdog sees it under way
        assert videos.list(_request_timeout=1e10).data == []  # beyond what a lock can wait for at once
        emu.inject("latency", delay=2.0, method="GET", path="/videos")
        outcome = run_for_at_most(lambda: videos.list(_request_timeout=(5, 0.3)), 3)
    assert crashed == []
    assert isinstance(outcome.get("error"), ApiTimeoutException), outcome


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread signal masks from Linux's /proc")
def test_the_watchdog_thread_leaves_signals_to_the_other_threads(emu):
    """A Ctrl-C the watchdog's thread took would not interrupt the main thread blocked reading standard input."""
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host)) as client:
        assert VideosApi(client).list().data == []
        (watchdog,) = [t for t in threading.enumerate() if t.name == "apivideo-deadlines"]
        status = Path(f"/proc/self/task/{watchdog.native_id}/status").read_text()
        blocked = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)
        main = Path(f"/proc/self/task/{threading.main_thread().native_id}/status").read_text()
        main_blocked = int(next(line.split()[1] for line in main.splitlines() if line.startswith("SigBlk:")), 16)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        assert blocked & (1 << (sig - 1)), f"{sig.name} is not blocked in the watchdog thread"
    assert not blocked & (1 << (signal.SIGSEGV - 1))
    assert not main_blocked & (1 << (signal.SIGINT - 1)), "the caller's thread must keep its own mask"
