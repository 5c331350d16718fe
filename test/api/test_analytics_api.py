"""AnalyticsApi over HTTP against the emulator: every metric/aggregation/breakdown enum, and ``filter_by``.

Combinations the API documents as refused (an aggregation or a breakdown a metric does not have) answer 400.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Callable

import pytest

from apivideo.api import analytics_api
from apivideo.exceptions import ApiTypeError, ApiValueError, BadRequestException
from apivideo.model.analytics_aggregated_metrics_response import AnalyticsAggregatedMetricsResponse
from apivideo.model.analytics_metrics_breakdown_response import AnalyticsMetricsBreakdownResponse
from apivideo.model.analytics_metrics_breakdown_response_data import AnalyticsMetricsBreakdownResponseData
from apivideo.model.analytics_metrics_over_time_response import AnalyticsMetricsOverTimeResponse
from apivideo.model.analytics_metrics_over_time_response_data import AnalyticsMetricsOverTimeResponseData
from apivideo.model.filter_by2 import FilterBy2
from apivideo.model.video import Video

# The API answers for the last 30 days only: a recent hour.
T0 = (datetime.now(timezone.utc) - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
# The aggregations the API documents for each metric.
DOCUMENTED = {
    "play": ("count", "rate", "total"), "start": ("count",), "end": ("count",), "impression": ("count",),
    "impression-time": ("average", "sum"), "watch-time": ("average", "sum"), "ccv": ("peak", "live"),
    "view": ("count",),
}  # fmt: skip


def _reported(metric: str) -> str:
    """``context.metric`` as the API reports it: views are counted after 5 seconds unless asked otherwise."""
    return "view-5" if metric == "view" else metric


def _enum(op: analytics_api.Op, name: str) -> tuple:  # type: ignore[type-arg]
    (p,) = [p for p in op.params if p.name == name]
    return p.enum  # type: ignore[no-any-return]


AGG_METRICS = _enum(analytics_api._GET_AGGREGATED_METRICS, "metric")
AGGREGATIONS = _enum(analytics_api._GET_AGGREGATED_METRICS, "aggregation")
BUCKET_METRICS = _enum(analytics_api._GET_METRICS_BREAKDOWN, "metric")
BREAKDOWNS = _enum(analytics_api._GET_METRICS_BREAKDOWN, "breakdown")
SERIES_METRICS = _enum(analytics_api._GET_METRICS_OVER_TIME, "metric")


def test_enums_are_the_documented_ones() -> None:
    assert AGG_METRICS == ("play", "start", "end", "impression", "impression-time", "watch-time", "ccv", "view")
    assert AGGREGATIONS == ("count", "rate", "total", "average", "sum", "peak", "live")
    assert "play-total" in BUCKET_METRICS and "referrer" in BREAKDOWNS and "ccv-average" in SERIES_METRICS


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@pytest.mark.parametrize("metric", AGG_METRICS)
def test_aggregated_metrics(apis: SimpleNamespace, metric: str, aggregation: str) -> None:
    if aggregation not in DOCUMENTED[metric]:
        with pytest.raises(BadRequestException) as info:
            apis.analytics.get_aggregated_metrics(metric, aggregation, _from=T0, to=T0 + timedelta(days=2))
        assert "aggregation" in (info.value.body or "")
        return
    result = apis.analytics.get_aggregated_metrics(metric, aggregation, _from=T0, to=T0 + timedelta(days=2))
    assert isinstance(result, AnalyticsAggregatedMetricsResponse)
    assert (result.context.metric, result.context.aggregation) == (_reported(metric), aggregation)
    assert (result.context.timeframe._from, result.context.timeframe.to) == (T0, T0 + timedelta(days=2))
    assert result.data > 0


def test_aggregated_metrics_query(apis: SimpleNamespace, sent: Callable[..., list]) -> None:
    result = apis.analytics.get_aggregated_metrics(
        "view", "count", _from=T0, to=T0 + timedelta(hours=1), unique=True, view_duration="5s",
        filter_by=FilterBy2(media_type="video", continent=["EU", "NA"], tag="Cool videos", browser=["chrome"]),
    )  # fmt: skip
    tf = result.context.timeframe.to_wire()
    start, end = T0.isoformat(), (T0 + timedelta(hours=1)).isoformat()
    assert (tf["from"], tf["to"]) == (start, end)
    assert result.context.metric == "unique-view-5"
    (rec,) = sent("GET")
    assert rec.path == "/data/metrics/view/count"
    assert rec.query == [
        ("from", start),
        ("to", end),
        ("unique", "true"),
        ("viewDuration", "5s"),
        ("filterBy[mediaType]", "video"),
        ("filterBy[continent][]", "EU"),
        ("filterBy[continent][]", "NA"),
        ("filterBy[browser][]", "chrome"),
        ("filterBy[tag]", "Cool videos"),
    ]
    assert "Cool%20videos" in rec.raw_path


@pytest.mark.parametrize("breakdown", BREAKDOWNS)
@pytest.mark.parametrize("metric", BUCKET_METRICS)
def test_metrics_breakdown(apis: SimpleNamespace, metric: str, breakdown: str) -> None:
    if metric == "play-total" and breakdown != "media-id":  # documented: media-id only
        with pytest.raises(BadRequestException):
            apis.analytics.get_metrics_breakdown(metric, breakdown)
        return
    result = apis.analytics.get_metrics_breakdown(metric, breakdown)
    assert isinstance(result, AnalyticsMetricsBreakdownResponse)
    assert (result.context.metric, result.context.breakdown) == (_reported(metric), breakdown)
    assert result.pagination.current_page == 1


def test_breakdown_by_media_id_sorting_paging(apis: SimpleNamespace, make_video: Callable[..., Video]) -> None:
    ids = sorted(make_video(f"v{i}").video_id for i in range(3))
    result = apis.analytics.get_metrics_breakdown(
        "view", "media-id", sort_by="dimensionValue", sort_order="desc", page_size=2, current_page=1,
        filter_by=FilterBy2(media_id=ids), unique=False, view_duration="30s",
    )  # fmt: skip
    assert all(isinstance(d, AnalyticsMetricsBreakdownResponseData) for d in result.data)
    assert [d.dimension_value for d in result.data] == ids[::-1][:2]
    assert (result.pagination.items_total, result.pagination.pages_total) == (3, 2)
    assert result.context.metric == "view-30"
    assert all(d.metric_value > 0 for d in result.data)


@pytest.mark.parametrize("metric", SERIES_METRICS)
def test_metrics_over_time(apis: SimpleNamespace, metric: str) -> None:
    result = apis.analytics.get_metrics_over_time(metric, _from=T0, to=T0 + timedelta(hours=3), interval="hour")
    assert isinstance(result, AnalyticsMetricsOverTimeResponse)
    assert (result.context.metric, result.context.interval) == (_reported(metric), "hour")
    assert all(isinstance(d, AnalyticsMetricsOverTimeResponseData) for d in result.data)
    assert [d.emitted_at for d in result.data] == [(T0 + timedelta(hours=h)).isoformat() for h in range(3)]


@pytest.mark.parametrize(("interval", "points"), [("minute", 60), ("hour", 1), ("day", 1)])
def test_over_time_intervals_sorting_paging(apis: SimpleNamespace, interval: str, points: int) -> None:
    # minutes are answered for at most 60 minutes
    result = apis.analytics.get_metrics_over_time(
        "view", _from=T0, to=T0 + timedelta(hours=1), interval=interval, sort_by="emittedAt", sort_order="desc",
        page_size=100, current_page=1, unique=True, view_duration="3s", filter_by=FilterBy2(country=["FR"]),
    )  # fmt: skip
    assert result.pagination.items_total == points
    stamps = [d.emitted_at for d in result.data]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == min(points, 100)


def test_wrong_enums_are_refused_before_sending(apis: SimpleNamespace, sent: Callable[..., list]) -> None:
    base = len(sent())
    with pytest.raises(ApiValueError, match="metric"):
        apis.analytics.get_aggregated_metrics("play-rate", "count")
    with pytest.raises(ApiValueError, match="breakdown"):
        apis.analytics.get_metrics_breakdown("play", "city")
    with pytest.raises(ApiValueError, match="interval"):
        apis.analytics.get_metrics_over_time("play", interval="week")
    with pytest.raises(ApiValueError, match="continent"):
        apis.analytics.get_aggregated_metrics("play", "count", filter_by=FilterBy2(continent=["EUROPE"]))
    with pytest.raises(ApiTypeError, match="filter_by"):
        apis.analytics.get_aggregated_metrics("play", "count", filter_by={"continent": ["EU"]})
    assert len(sent()) == base
