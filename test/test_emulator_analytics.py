"""The emulator's analytics figures: deterministic for a seed, non-zero, consistent across operations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import urllib3

from apivideo.testing import Emulator

DAY = (datetime.now(timezone.utc) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def shared():
    with Emulator() as e:
        yield e


@pytest.fixture()
def emu(shared):
    shared.reset()
    yield shared
    shared.reset()


def get(emu, path, **query):
    http = urllib3.PoolManager(retries=False)
    body = json.dumps({"apiKey": emu.api_key}).encode()
    r = http.request("POST", emu.host + "/auth/api-key", body=body, headers={"Content-Type": "application/json"})
    auth = {"Authorization": "Bearer " + json.loads(r.data)["access_token"]}
    url = emu.host + path + ("?" + urlencode(query) if query else "")
    r = http.request("GET", url, headers=auth)
    assert r.status == 200, r.data[:300]
    return json.loads(r.data)


def span(start, **delta):
    return {"from": start.isoformat(), "to": (start + timedelta(**delta)).isoformat()}


def figures(emu):
    return (
        get(emu, "/data/metrics/play/count", **span(DAY, days=1))["data"],
        [d["metricValue"] for d in get(emu, "/data/buckets/play/country", **span(DAY, days=1))["data"]],
        [d["metricValue"] for d in get(emu, "/data/timeseries/view", interval="hour", **span(DAY, hours=6))["data"]],
    )


def test_figures_are_non_zero_and_the_same_for_a_seed(emu):
    first = figures(emu)
    assert first[0] > 0 and all(v > 0 for v in first[1]) and all(v > 0 for v in first[2])
    assert figures(emu) == first
    with Emulator() as other:  # another emulator, same default seed: same answers
        assert figures(other) == first
    emu.configure(analytics_seed=42)
    seeded = figures(emu)
    assert seeded != first
    with Emulator(analytics_seed=42) as other:
        assert figures(other) == seeded
    emu.reset()  # back to the constructor's seed
    assert figures(emu) == first


def test_counts_add_up(emu):
    """A day is the sum of its hours, and an aggregated count the sum of its timeframe's hours."""
    hours = get(emu, "/data/timeseries/play", interval="hour", pageSize=100, **span(DAY, days=1))["data"]
    (day,) = get(emu, "/data/timeseries/play", interval="day", **span(DAY, days=1))["data"]
    assert len(hours) == 24 and day["emittedAt"] == DAY.isoformat()
    assert day["metricValue"] == sum(h["metricValue"] for h in hours)
    assert get(emu, "/data/metrics/play/count", **span(DAY, days=1))["data"] == day["metricValue"]
    rate = get(emu, "/data/metrics/play/rate", **span(DAY, days=1))["data"]
    assert 0 < rate < 1


@pytest.mark.parametrize(
    ("path", "query", "metric"),
    [
        ("/data/metrics/view/count", {}, "view-5"),
        ("/data/metrics/view/count", {"unique": "true"}, "unique-view-5"),
        ("/data/metrics/view/count", {"viewDuration": "30s", "unique": "false"}, "view-30"),
        ("/data/metrics/ccv/peak", {"unique": "true"}, "unique-ccv"),
        ("/data/metrics/ccv/live", {}, "ccv"),
        ("/data/buckets/ccv-peak/country", {"unique": "true"}, "unique-ccv-peak"),
        ("/data/timeseries/view", {"viewDuration": "3s"}, "view-3"),
        ("/data/timeseries/ccv-average", {"unique": "true"}, "unique-ccv-average"),
    ],
)
def test_metrics_are_reported_as_counted(emu, path, query, metric):
    assert get(emu, path, **query)["context"]["metric"] == metric


def test_breakdowns_follow_the_store_and_the_filters(emu):
    http = urllib3.PoolManager(retries=False)
    body = json.dumps({"apiKey": emu.api_key}).encode()
    r = http.request("POST", emu.host + "/auth/api-key", body=body, headers={"Content-Type": "application/json"})
    auth = {"Authorization": "Bearer " + json.loads(r.data)["access_token"], "Content-Type": "application/json"}
    ids = []
    created = (("/videos", {"title": "a"}, "videoId"), ("/live-streams", {"name": "b"}, "liveStreamId"))
    for path, payload, key in created:
        r = http.request("POST", emu.host + path, body=json.dumps(payload).encode(), headers=auth)
        ids.append(json.loads(r.data)[key])
    media = get(emu, "/data/buckets/play/media-id")["data"]
    assert [d["dimensionValue"] for d in media] == ids and all(d["metricValue"] > 0 for d in media)
    countries = get(emu, "/data/buckets/play/country", **{"filterBy[country][]": "FR"})["data"]
    assert [d["dimensionValue"] for d in countries] == ["FR"]
    unfiltered = get(emu, "/data/metrics/play/count")["data"]
    assert 0 < get(emu, "/data/metrics/play/count", **{"filterBy[browser][]": "firefox"})["data"] < unfiltered
