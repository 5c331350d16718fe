"""The emulator's rate limits: the X-RateLimit-* headers on every answer, buckets, and enforcement (429)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from _raw_emulator import RawClient, as_json

from apivideo.testing import PRODUCTION_RATE_LIMITS, SANDBOX_RATE_LIMITS, Emulator, rate_limit_bucket

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Retry-After")


@pytest.fixture(scope="module")
def shared():
    with Emulator() as e:
        yield e


@pytest.fixture()
def emu(shared):
    shared.reset()
    yield shared
    shared.reset()


Client = RawClient


def limits(r):
    return tuple(r.headers.get(h) for h in HEADERS)


def test_every_answer_carries_the_three_headers(emu):
    c = Client(emu)
    vid = json.loads(c("POST", "/videos", {"title": "t"}).data)["videoId"]
    live = json.loads(c("POST", "/live-streams", {"name": "l"}).data)["liveStreamId"]
    answers = {
        "read": [c("GET", "/videos"), c("GET", "/videos/nope"), c("GET", "/videos?pageSize=0")],
        "write": [c("PATCH", f"/videos/{vid}", {"title": "u"}), c("PUT", f"/live-streams/{live}/complete")],
        "upload": [c.upload(f"/videos/{vid}/source")],
    }
    answers["write"].append(c("DELETE", f"/videos/{vid}"))
    unauthenticated = c.http.request("GET", emu.host + "/videos")
    assert unauthenticated.status == 401 and unauthenticated.headers["X-RateLimit-Limit"] == "500"
    statuses = [r.status for group in answers.values() for r in group]
    assert statuses == [200, 404, 400, 200, 202, 204, 201]
    for bucket, group in answers.items():
        for r in group:
            limit, remaining, retry_after = limits(r)
            assert int(limit) == PRODUCTION_RATE_LIMITS[bucket]
            assert 0 <= int(remaining) < int(limit)
            assert 1 <= int(retry_after) <= 60  # whole seconds, as the API sends them
    # each bucket counts its own requests: 4 reads (the 401 included), 3 writes before this one, 1 upload
    assert c("GET", "/tags").headers["X-RateLimit-Remaining"] == str(500 - 5)
    assert c("POST", "/players", {"name": "p"}).headers["X-RateLimit-Remaining"] == str(200 - 6)
    assert c.upload("/videos/nope/source").headers["X-RateLimit-Remaining"] == str(100 - 2)


def test_token_exchanges_report_but_are_neither_counted_nor_refused(emu):
    emu.configure(enforce_rate_limits=True, rate_limits={"write": 2})
    c = Client(emu)
    assert limits(c("POST", "/videos", {"title": "a"}))[:2] == ("2", "1")
    assert limits(c("POST", "/videos", {"title": "b"}))[:2] == ("2", "0")
    assert c("POST", "/videos", {"title": "c"}).status == 429
    for _ in range(3):  # a spent write bucket does not lock a client out of its token
        r = c.http.request("POST", emu.host + "/auth/api-key", **as_json({"apiKey": emu.api_key}))
        assert r.status == 200 and limits(r)[:2] == ("2", "0")


def test_enforced_limit_answers_429_until_the_window_ends(emu):
    emu.configure(enforce_rate_limits=True, rate_limit_window=0.5, rate_limits={"read": 3})
    c = Client(emu)
    first = [c("GET", "/videos") for _ in range(3)]
    assert [r.status for r in first] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in first] == ["2", "1", "0"]
    refused = c("GET", "/videos")
    assert refused.status == 429 and refused.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.data) == {
        "type": "https://docs.api.video/reference/too-many-requests",
        "title": "Too many requests.",
        "status": 429,
    }
    limit, remaining, retry_after = limits(refused)
    assert (limit, remaining) == ("3", "0")
    wait = float(retry_after)  # a window shorter than a second is reported in decimals
    assert 0 < wait <= 0.5
    assert c("POST", "/videos", {"title": "writes have their own bucket"}).status == 201
    time.sleep(wait)
    again = c("GET", "/videos")
    assert again.status == 200 and again.headers["X-RateLimit-Remaining"] == "2"
    assert [r.status for r in emu.requests if r.method == "GET"].count(429) == 1


def test_enforcement_is_exact_under_concurrency(emu):
    emu.configure(enforce_rate_limits=True, rate_limit_window=60, rate_limits={"read": 50})
    c = Client(emu, maxsize=8)
    statuses = []
    lock = threading.Lock()

    def worker():
        got = [c("GET", "/videos").status for _ in range(20)]
        with lock:
            statuses.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 160
    assert statuses.count(200) == 50 and statuses.count(429) == 110


def test_advertised_only_by_default(emu):
    emu.configure(rate_limits={"read": 2})
    c = Client(emu)
    answers = [c("GET", "/videos") for _ in range(4)]
    assert [r.status for r in answers] == [200] * 4
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["1", "0", "0", "0"]


def test_uploads_have_their_own_bucket(emu):
    assert rate_limit_bucket("POST", "/videos/vi1/source") == "upload"
    assert rate_limit_bucket("POST", "/upload") == "upload"
    assert rate_limit_bucket("POST", "/videos/vi1/thumbnail") == "write"
    assert rate_limit_bucket("GET", "/videos/vi1/source") == "read"
    assert rate_limit_bucket("DELETE", "/videos/vi1") == "write"
    emu.configure(rate_limits=SANDBOX_RATE_LIMITS)
    c = Client(emu)
    token = json.loads(c("POST", "/upload-tokens", {}).data)["token"]
    r = c.upload(f"/upload?token={token}")
    assert r.status == 201 and limits(r)[:2] == ("40", "39")


def test_a_classifier_can_add_a_bucket(emu):
    def by_kind(method, path):
        return "analytics" if path.startswith("/data/") else rate_limit_bucket(method, path)

    emu.configure(enforce_rate_limits=True, rate_limit_classifier=by_kind, rate_limits={"analytics": 2})
    c = Client(emu)
    answers = [c("GET", "/data/metrics/play/count") for _ in range(3)]
    assert [r.status for r in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert c("GET", "/videos").headers["X-RateLimit-Limit"] == "500"
    assert emu.rate_limit_status()["analytics"]["remaining"] == 0

    emu.configure(rate_limit_classifier=lambda method, path: "search")  # a bucket without a limit
    r = c("GET", "/videos")
    assert r.status == 500 and "'search'" in json.loads(r.data)["detail"]
    emu.configure(rate_limit_classifier=lambda method, path: 1 / 0)  # a classifier that fails
    r = c("GET", "/videos")
    assert r.status == 500 and "ZeroDivisionError" in json.loads(r.data)["detail"]


def test_settings_are_validated_merged_and_restored_by_reset(emu):
    assert emu.settings["rate_limits"] == dict(PRODUCTION_RATE_LIMITS)
    assert (emu.settings["rate_limit_window"], emu.settings["enforce_rate_limits"]) == (60.0, False)
    emu.configure(rate_limits={"read": 7}, rate_limit_window=2, enforce_rate_limits=True)
    assert emu.settings["rate_limits"] == {"upload": 100, "write": 200, "read": 7}
    Client(emu)("GET", "/videos")
    status = emu.rate_limit_status()
    assert status["read"]["remaining"] == 6 and 0 < status["read"]["reset"] <= 2
    emu.reset()
    assert emu.settings["rate_limits"] == dict(PRODUCTION_RATE_LIMITS) and emu.settings["enforce_rate_limits"] is False
    assert emu.rate_limit_status()["read"] == {"limit": 500, "remaining": 500, "reset": 60.0}
    for bad in ({"rate_limit_window": 0}, {"rate_limits": {"read": 0}}, {"rate_limits": {"read": 1.5}}):
        with pytest.raises(ValueError):
            emu.configure(**bad)
    with pytest.raises(TypeError):
        emu.configure(rate_limit_classifier="read")


def test_constructor_takes_the_same_settings():
    with Emulator(rate_limits={"write": 1}, enforce_rate_limits=True, rate_limit_window=30) as e:
        c = Client(e)
        assert [c("POST", "/videos", {"title": "t"}).status for _ in range(2)] == [201, 429]
        assert c("POST", "/videos", {"title": "t"}).headers["X-RateLimit-Retry-After"] in {str(s) for s in range(1, 31)}
        e.reset()  # back to the constructor's settings, counters cleared
        assert e.settings["rate_limits"]["write"] == 1
        assert Client(e)("POST", "/videos", {"title": "t"}).status == 201


def test_an_injected_429_has_the_headers_too(emu):
    c = Client(emu)
    emu.inject("status", retry_after=3, path="/videos", method="GET")
    r = c("GET", "/videos")
    assert r.status == 429 and limits(r) == ("500", "0", "3")
    emu.inject("raw", status=502, body=b"<html>gateway</html>", content_type="text/html")
    assert c("GET", "/videos").headers.get("X-RateLimit-Limit") is None  # not from the API: as given
