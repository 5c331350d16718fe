"""Analytics: the three ``/data`` operations, their documented rules, and deterministic non-zero figures.

Figures come from a seeded hash of (seed, metric, filters, time): the same seed and the same question always give
the same answer, across runs and machines. Counts are built from an hourly series, so a day is the sum of its hours
and an aggregated count is the sum of the hours of its timeframe.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ._common import UTC, ApiError, invalid, paginate, parse_iso, problem, q_first, sort_items
from ._router import Ctx, Result, Router

router = Router()

# metric -> the aggregations the spec allows with it
AGGREGATIONS = {
    "play": ("count", "rate", "total"),
    "start": ("count",),
    "end": ("count",),
    "impression": ("count",),
    "impression-time": ("average", "sum"),
    "watch-time": ("average", "sum"),
    "ccv": ("peak", "live"),
    "view": ("count",),
}
ALL_AGGREGATIONS = ("count", "rate", "total", "average", "sum", "peak", "live")
BUCKET_METRICS = ("play", "play-rate", "play-total", "start", "end", "impression", "ccv-peak", "ccv-average", "view")
SERIES_METRICS = ("play", "play-rate", "start", "end", "impression", "ccv-peak", "ccv-average", "view")
BREAKDOWNS = {
    "media-id": (),  # the videos and live streams of the project
    "media-type": ("video", "live-stream"),
    "continent": ("EU", "NA", "AS", "SA", "AF", "AZ"),
    "country": ("FR", "US", "DE", "GB", "JP", "BR", "IN", "CA"),
    "device-type": ("computer", "phone", "tablet", "tv"),
    "operating-system": ("windows", "mac osx", "android", "ios", "linux"),
    "browser": ("chrome", "firefox", "safari", "edge", "opera"),
    "referrer": ("https://example.com/", "https://blog.example.org/videos/", ""),
}
# breakdown -> the filterBy property over the same dimension
BREAKDOWN_FILTER = {
    "media-id": "mediaId",
    "media-type": "mediaType",
    "continent": "continent",
    "country": "country",
    "device-type": "deviceType",
    "operating-system": "operatingSystem",
    "browser": "browser",
    "referrer": "referrer",
}
FILTERS = (
    "mediaId",
    "mediaType",
    "continent",
    "country",
    "deviceType",
    "operatingSystem",
    "browser",
    "tag",
    "referrer",
)
SINGLE_FILTERS = ("mediaType", "tag")
CONTINENTS = ("AS", "AF", "NA", "SA", "AN", "EU", "AZ")
MEDIA_FILTERS = ("mediaId", "mediaType")  # all that play/total and play-total/media-id accept
UNIQUE_METRICS = ("ccv", "view", "ccv-peak", "ccv-average")
VIEW_DURATIONS = ("3s", "5s", "10s", "30s")
INTERVALS = {"minute": 60, "hour": 3600, "day": 86400}
MAX_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)  # a "30 days ago" computed by the client a moment earlier is still accepted
MAX_MINUTE_SPAN = timedelta(minutes=60)
MAX_REFERRER = 2048
COMMON_QUERY = ("from", "to", "unique", "viewDuration")
PAGED_QUERY = ("currentPage", "pageSize", "sortBy", "sortOrder")

# events per hour, before the seeded variation
HOURLY = {"play": 40, "start": 36, "end": 18, "impression": 90, "view": 30}


def _query_error(name: str, detail: str) -> ApiError:
    return problem(400, "request-invalid-query-parameter", "A query parameter is invalid.", name, detail)


def _unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) determined by ``seed`` and ``parts``."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class Query:
    """The validated query of an analytics request."""

    def __init__(
        self,
        ctx: Ctx,
        metric: str,
        allowed: Sequence[str],
        unique_metrics: Sequence[str],
        media_only: bool = False,
        timeless: bool = False,
    ) -> None:
        """``media_only``: only the mediaId and mediaType filters; ``timeless``: from and to are ignored."""
        self.metric = metric
        self._unique_metrics = unique_metrics
        self._counts: dict[str, float] = {}
        self._ccv: list[float] | None = None
        for key, _ in ctx.query:
            if key not in allowed and not key.startswith("filterBy["):
                raise _query_error(key, "This field was not expected.")
        now = datetime.now(UTC).replace(microsecond=0)
        if timeless:  # echoed when readable, never refused
            try:
                self.end = self._date(ctx, "to") or now
                self.start = self._date(ctx, "from") or self.end - timedelta(days=1)
            except ApiError:
                self.end, self.start = now, now - timedelta(days=1)
        else:
            self.end = self._date(ctx, "to") or now
            self.start = self._date(ctx, "from") or self.end - timedelta(days=1)
            if self.start >= self.end:
                raise _query_error("from", 'The "from" date-time must be before the "to" date-time.')
            if self.start < now - MAX_AGE - CLOCK_SKEW:
                raise _query_error("from", "The date-time must not be more than 30 days ago.")
        self.unique = self._unique(ctx)
        self.view_duration = self._view_duration(ctx)
        self.filters = self._filters(ctx, media_only)
        self.seed = ctx.state.analytics_seed
        self.salt = (self.unique, self.view_duration, tuple(sorted((k, tuple(v)) for k, v in self.filters.items())))
        self.scale = self._scale()

    @staticmethod
    def _date(ctx: Ctx, name: str) -> datetime | None:
        raw = ctx.q(name)
        if raw is None:
            return None
        parsed = parse_iso(raw)
        if parsed is None:
            raise _query_error(name, "This value must be an ATOM date-time, such as 2024-02-05T00:00:00+01:00.")
        return parsed.astimezone(UTC).replace(microsecond=0)

    def _unique(self, ctx: Ctx) -> bool | None:
        raw = ctx.q("unique")
        if raw is None:
            return None
        if raw.lower() not in ("true", "false", "1", "0"):
            raise _query_error("unique", "This value must be a boolean.")
        if self.metric not in self._unique_metrics:
            shown = ", ".join(f'"{m}"' for m in self._unique_metrics)
            raise _query_error("unique", f"This parameter is only accepted with these metrics: {shown}.")
        return raw.lower() in ("true", "1")

    def _view_duration(self, ctx: Ctx) -> str | None:
        raw = ctx.q("viewDuration")
        if raw is None:
            return None
        if raw not in VIEW_DURATIONS:
            raise _query_error("viewDuration", 'This view duration is invalid. Use one of "3s", "5s", "10s", "30s".')
        if self.metric != "view":
            raise _query_error("viewDuration", 'This parameter is only accepted with the "view" metric.')
        return raw

    @staticmethod
    def _filters(ctx: Ctx, media_only: bool) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in ctx.query:
            m = re.fullmatch(r"filterBy\[(\w+)\](\[\])?", key)
            if not key.startswith("filterBy["):
                continue
            if m is None or m.group(1) not in FILTERS:
                raise _query_error(key, "This field was not expected.")
            name = m.group(1)
            if media_only and name not in MEDIA_FILTERS:
                raise _query_error(
                    f"filterBy[{name}]", "Only the mediaId and mediaType filters are accepted with this metric."
                )
            if name in SINGLE_FILTERS and name in out:
                raise _query_error(f"filterBy[{name}]", "This filter accepts a single value.")
            if name == "mediaType" and value not in BREAKDOWNS["media-type"]:
                raise _query_error("filterBy[mediaType]", 'The value must be "video" or "live-stream".')
            if name == "continent" and value not in CONTINENTS:
                raise _query_error("filterBy[continent]", f"The value must be one of: {', '.join(CONTINENTS)}.")
            if name == "referrer" and len(value) > MAX_REFERRER:
                raise _query_error("filterBy[referrer]", "This value should not contain more than 2048 characters.")
            out.setdefault(name, []).append(value)
        return out

    # -- naming ---------------------------------------------------------------------------
    def counted_metric(self, metric: str) -> str:
        """The metric as the API reports it in ``context.metric``: views by duration, unique viewers marked."""
        if metric == "view":
            seconds = (self.view_duration or "5s")[:-1]
            return f"unique-view-{seconds}" if self.unique else f"view-{seconds}"
        if metric in ("ccv", "ccv-peak", "ccv-average") and self.unique:
            return "unique-" + metric
        return metric

    def timeframe(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    # -- figures --------------------------------------------------------------------------
    def _scale(self) -> float:
        """Fewer events when filtered, unique or counted with a longer view duration."""
        factor = 1.0
        if self.filters:
            factor *= 0.25 + 0.5 * _unit(self.seed, "filters", self.salt[2])
        if self.unique:
            factor *= 0.7
        if self.view_duration:
            factor *= {"3s": 1.1, "5s": 1.0, "10s": 0.8, "30s": 0.5}[self.view_duration]
        return factor

    def hourly(self, metric: str, hour: int) -> float:
        """Events of a count metric in the hour starting at ``hour * 3600`` (epoch seconds), at least 1."""
        base = HOURLY[metric] * self.scale
        return float(max(1, round(base * (0.5 + _unit(self.seed, metric, hour)))))

    def hours(self) -> range:
        first = int(self.start.timestamp()) // 3600
        last = math.ceil(self.end.timestamp() / 3600)
        return range(first, max(first + 1, last))

    def count(self, metric: str) -> float:
        """Events of a count metric over the timeframe."""
        if metric not in self._counts:
            self._counts[metric] = sum(self.hourly(metric, h) for h in self.hours())
        return self._counts[metric]

    def ccv(self, hour: int) -> float:
        """Concurrent viewers in an hour, at least 1."""
        return float(max(1, round((2 + 20 * _unit(self.seed, "ccv", hour)) * self.scale)))

    def ccv_series(self) -> list[float]:
        if self._ccv is None:
            self._ccv = [self.ccv(h) for h in self.hours()]
        return self._ccv

    def rate(self, *parts: object) -> float:
        """A play rate (plays per impression) in [0.2, 0.8)."""
        return round(0.2 + 0.6 * _unit(self.seed, "play-rate", self.salt, *parts), 4)


def _path_enum(value: str, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise invalid(name, f"This value must be one of: {', '.join(allowed)}.")
    return value


# --- GET /data/metrics/{metric}/{aggregation} ---------------------------------------------


@router.add("GET", "/data/metrics/{metric}/{aggregation}")
def aggregated_metrics(ctx: Ctx) -> Result:
    metric = _path_enum(ctx.params["metric"], tuple(AGGREGATIONS), "metric")
    aggregation = _path_enum(ctx.params["aggregation"], ALL_AGGREGATIONS, "aggregation")
    if aggregation not in AGGREGATIONS[metric]:
        allowed = ", ".join(AGGREGATIONS[metric])
        raise invalid(
            "aggregation", f'The "{aggregation}" aggregation is not available for the "{metric}" metric: use {allowed}.'
        )
    total = metric == "play" and aggregation == "total"  # all time: from and to are ignored
    q = Query(ctx, metric, COMMON_QUERY, ("ccv", "view"), media_only=total, timeless=total)
    if total:
        value = float(2000 + round(8000 * _unit(q.seed, "play-total", q.salt)))
    elif metric == "play" and aggregation == "rate":
        value = q.rate()
    elif metric in HOURLY:
        value = q.count(metric)
    elif metric == "impression-time":
        average = round(300 + 1200 * _unit(q.seed, metric, q.salt), 1)
        value = average if aggregation == "average" else round(average * q.count("impression"), 1)
    elif metric == "watch-time":
        average = round(20 + 280 * _unit(q.seed, metric, q.salt), 1)
        value = average if aggregation == "average" else round(average * q.count("play"), 1)
    elif aggregation == "peak":
        value = max(q.ccv_series())
    else:  # ccv live: the highest in the last 20 seconds
        value = float(max(1, round((2 + 20 * _unit(q.seed, "ccv-live", int(time.time()) // 20)) * q.scale)))
    context = {"metric": q.counted_metric(metric), "aggregation": aggregation, "timeframe": q.timeframe()}
    return 200, {"context": context, "data": float(value)}


# --- GET /data/buckets/{metric}/{breakdown} -------------------------------------------------


def _dimensions(ctx: Ctx, q: Query, breakdown: str) -> list[str]:
    wanted = q.filters.get(BREAKDOWN_FILTER[breakdown])
    if breakdown == "media-id":
        if wanted is not None:
            return list(dict.fromkeys(wanted))
        with ctx.state.lock:
            videos = sorted(ctx.state.videos.values(), key=lambda v: v.seq)
            lives = sorted(ctx.state.live_streams.values(), key=lambda x: x["_seq"])
            return [v.id for v in videos] + [x["liveStreamId"] for x in lives]
    values = BREAKDOWNS[breakdown]
    return [v for v in values if wanted is None or v in wanted]


def _bucket_value(q: Query, metric: str, dim: str) -> float:
    share = 0.2 + 0.8 * _unit(q.seed, "share", metric, dim, q.salt)  # of the whole, per dimension value
    if metric == "play-total":
        return float(200 + round(2000 * share))
    if metric == "play-rate":
        return q.rate(dim)
    if metric == "ccv-peak":
        return float(max(1, round(max(q.ccv_series()) * share)))
    if metric == "ccv-average":
        series = q.ccv_series()
        return round(max(1.0, sum(series) / len(series) * share), 2)
    return float(max(1, round(q.count(metric) * share / 2)))


@router.add("GET", "/data/buckets/{metric}/{breakdown}")
def metrics_breakdown(ctx: Ctx) -> Result:
    metric = _path_enum(ctx.params["metric"], BUCKET_METRICS, "metric")
    breakdown = _path_enum(ctx.params["breakdown"], tuple(BREAKDOWNS), "breakdown")
    if metric == "play-total" and breakdown != "media-id":
        raise invalid("breakdown", 'The "play-total" metric is only available with the "media-id" breakdown.')
    q = Query(ctx, metric, COMMON_QUERY + PAGED_QUERY, UNIQUE_METRICS[1:], media_only=metric == "play-total")
    items = [{"dimensionValue": d, "metricValue": _bucket_value(q, metric, d)} for d in _dimensions(ctx, q, breakdown)]
    items = sort_items(
        items, ctx.query, {"metricValue": lambda x: x["metricValue"], "dimensionValue": lambda x: x["dimensionValue"]}
    )
    body = paginate(items, ctx.query, ctx.host, ctx.path)
    context = {"metric": q.counted_metric(metric), "breakdown": breakdown, "timeframe": q.timeframe()}
    return 200, {"context": context, **body}


# --- GET /data/timeseries/{metric} -------------------------------------------------------------


def _point(q: Query, metric: str, start: int, step: int) -> float:
    hours = range(start // 3600, max(start // 3600 + 1, (start + step) // 3600))
    if metric == "play-rate":
        return q.rate(start)
    if metric in ("ccv-peak", "ccv-average"):
        values = [q.ccv(h) for h in hours]
        if step < 3600:
            return float(max(1, round(values[0] * (0.5 + 0.5 * _unit(q.seed, "ccv-minute", start)))))
        return max(values) if metric == "ccv-peak" else round(sum(values) / len(values), 2)
    if step < 3600:  # a share of its hour
        return float(max(1, round(q.hourly(metric, start // 3600) / 30 * _unit(q.seed, metric, "minute", start))))
    return sum(q.hourly(metric, h) for h in hours)


@router.add("GET", "/data/timeseries/{metric}")
def metrics_over_time(ctx: Ctx) -> Result:
    metric = _path_enum(ctx.params["metric"], SERIES_METRICS, "metric")
    q = Query(ctx, metric, (*COMMON_QUERY, *PAGED_QUERY, "interval"), UNIQUE_METRICS[1:])
    interval = q_first(ctx.query, "interval")
    if interval is not None and interval not in INTERVALS:
        raise _query_error("interval", 'The interval must be one of "minute", "hour", "day".')
    if interval is None:
        interval = "hour" if q.end - q.start <= timedelta(days=2) else "day"
    if interval == "minute" and q.end - q.start > MAX_MINUTE_SPAN:  # the spec's error: "longer than 60 minutes"
        raise _query_error("interval", 'With the "minute" interval, the timeframe must not exceed 60 minutes.')
    step = INTERVALS[interval]
    t = int(q.start.timestamp()) // step * step
    stop = q.end.timestamp()
    points: list[dict[str, Any]] = []
    while t < stop:
        emitted = datetime.fromtimestamp(t, UTC).isoformat()
        points.append({"emittedAt": emitted, "metricValue": _point(q, metric, t, step)})
        t += step
    points = sort_items(
        points, ctx.query, {"metricValue": lambda x: x["metricValue"], "emittedAt": lambda x: x["emittedAt"]}
    )
    body = paginate(points, ctx.query, ctx.host, ctx.path)
    context = {"metric": q.counted_metric(metric), "interval": interval, "timeframe": q.timeframe()}
    return 200, {"context": context, **body}
