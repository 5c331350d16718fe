"""Pacing: the client keeps the budgets the API announces and waits for the next window instead of collecting
429 answers; against the emulator enforcing limits in a short window."""

from __future__ import annotations

import logging
import threading
import time

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.video_update_payload import VideoUpdatePayload
from apivideo.retry import RetryPolicy

WINDOW = 0.4


@pytest.fixture
def limited(emu):
    emu.configure(enforce_rate_limits=True, rate_limit_window=WINDOW, rate_limits={"read": 8, "write": 5, "upload": 3})
    return emu


def _client(emu, **settings):
    return apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=emu.host, **settings))


def _statuses(emu, path=None):
    return [r.status for r in emu.requests if path is None or r.path == path]


def test_three_times_the_limit_in_one_thread_gets_no_429(limited):
    with _client(limited) as client:
        videos = VideosApi(client)
        for _ in range(24):
            videos.list()
        budget = client.rate_limits["read"]
    statuses = _statuses(limited, "/videos")
    assert len(statuses) == 24 and 429 not in statuses
    assert budget.limit == 8 and 0 <= budget.remaining < 8


def test_threads_sharing_a_client_share_its_budget(limited):
    errors = []
    with _client(limited) as client:
        videos = VideosApi(client)
        videos.list()  # the budget is known before the threads start

        def work():
            try:
                for _ in range(8):
                    videos.list()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    statuses = _statuses(limited, "/videos")
    assert errors == [] and len([s for s in statuses if s == 200]) == 33
    assert statuses.count(429) <= 4  # at most one each; the 429 safety net retries it


def test_budgets_are_paced_apart(limited, tmp_path):
    with _client(limited, chunk_size=5 * 1024 * 1024) as client:
        videos = VideosApi(client)
        video_ids = [videos.create(VideoCreationPayload(title=f"v{i}")).video_id for i in range(4)]  # writes
        for video_id in video_ids:
            videos.update(video_id, VideoUpdatePayload(description="paced"))  # writes
            videos.get(video_id)  # reads
        videos.upload(video_ids[0], b"x" * (5 * 1024 * 1024 * 2 + 1))  # 3 upload chunks
        known = client.rate_limits
    assert 429 not in _statuses(limited)
    assert {name: b.limit for name, b in known.items() if name in ("read", "write", "upload")} == {
        "read": 8, "write": 5, "upload": 3,
    }  # fmt: skip


def test_without_pacing_the_429_safety_net_still_gets_through(limited):
    with _client(limited, rate_limit_pacing=False) as client:
        videos = VideosApi(client)
        for _ in range(12):
            videos.list()
    statuses = _statuses(limited, "/videos")
    assert statuses.count(200) == 12 and 429 in statuses  # today's behaviour: refused, waited out, retried


def test_a_wait_beyond_max_retry_after_raises_at_once(emu):
    emu.configure(enforce_rate_limits=True, rate_limit_window=30, rate_limits={"read": 2})
    with _client(emu, retries=RetryPolicy(max_retry_after=1)) as client:
        videos = VideosApi(client)
        videos.list()
        videos.list()
        sent = len(emu.requests)
        with pytest.raises(apivideo.TooManyRequestsException, match="nothing was sent") as info:
            videos.list()
    assert len(emu.requests) == sent  # refused by the client itself
    assert 28 < info.value.retry_after <= 30


def test_each_wait_is_logged_once_without_credentials(limited, caplog):
    with caplog.at_level(logging.INFO, logger="apivideo"), _client(limited) as client:
        videos = VideosApi(client)
        for _ in range(10):
            videos.list()
    waits = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert len(waits) == 1 and "read budget" in waits[0]
    assert limited.api_key not in caplog.text


def test_a_budget_the_sdk_did_not_foresee_is_kept_apart(emu):
    def buckets(method, path):  # the API counts reads of one resource on their own, with a smaller limit
        if method == "GET" and path.startswith("/webhooks"):
            return "webhooks"
        return "read" if method == "GET" else "write"

    emu.configure(enforce_rate_limits=True, rate_limit_window=WINDOW, rate_limit_classifier=buckets,
                  rate_limits={"read": 50, "write": 50, "webhooks": 3})  # fmt: skip
    with _client(emu) as client:
        from apivideo.api.webhooks_api import WebhooksApi

        videos, hooks = VideosApi(client), WebhooksApi(client)
        videos.list()  # the read budget: 50
        for _ in range(9):
            hooks.list()  # announced with a limit of 3: a budget of its own
            videos.list()
        names = set(client.rate_limits)
    assert 429 not in _statuses(emu)
    assert {"read/50", "read/3"} <= names  # two read budgets, told apart by their limits


def test_a_budget_first_seen_on_an_unforeseen_route_does_not_hold_back_the_others(emu):
    emu.configure(enforce_rate_limits=True, rate_limit_window=WINDOW, rate_limit_classifier=lambda m, p: (
        "webhooks" if m == "GET" and p.startswith("/webhooks") else ("read" if m == "GET" else "write")
    ), rate_limits={"read": 500, "write": 50, "webhooks": 3})  # fmt: skip
    with _client(emu, retries=RetryPolicy(max_retry_after=0.5)) as client:
        from apivideo.api.webhooks_api import WebhooksApi

        WebhooksApi(client).list()  # the first read budget the client learns is the small one
        for _ in range(10):
            VideosApi(client).list()  # never held back by the webhooks' budget
    assert 429 not in _statuses(emu)


def test_more_threads_than_the_limit_wait_one_window_not_a_minute(limited):
    limited.configure(rate_limits={"read": 2})
    done = []
    with _client(limited) as client:
        videos = VideosApi(client)
        videos.list()
        threads = [threading.Thread(target=lambda: done.append(videos.list())) for _ in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert len(done) == 8 and time.monotonic() - started < 20  # a few windows of 0.4 s, not 60 s each
