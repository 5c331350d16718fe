"""The retry decision and delay, as tables of (outcome, headers) -> wait or give up."""

from __future__ import annotations

import pytest

from apivideo.retry import RetryPolicy, parse_retry_after, retry_delay

POLICY = RetryPolicy(max_retries=3, backoff=0.5, max_backoff=4.0, max_retry_after=30.0, max_elapsed=100.0)


@pytest.mark.parametrize(
    ("status", "retry_after", "safe", "retry_number", "expected"),
    [
        (503, None, True, 0, 0.5),  # backoff * 2**0, rand=1 -> factor 1
        (502, None, True, 1, 1.0),
        (504, None, True, 2, 2.0),
        (503, None, True, 3, None),  # retries exhausted
        (503, None, False, 0, None),  # a POST that creates something is never replayed after a 5xx
        (500, None, True, 0, None),  # 500 is not a transient status
        (None, None, True, 0, 0.5),  # connection reset or timeout on a safe request
        (None, None, False, 0, None),
        (429, 7.0, False, 0, 7.0),  # 429: the server refused, so any method may wait and retry
        (429, 31.0, True, 0, None),  # above the cap: surface TooManyRequestsException
        (429, None, True, 1, 1.0),  # no header: plain backoff
        (400, None, True, 0, None),
        (404, None, True, 0, None),
    ],
)
def test_retry_table(status, retry_after, safe, retry_number, expected):
    delay = retry_delay(
        POLICY, retry_number, status=status, retry_after=retry_after, retry_safe=safe, elapsed=0.0, rand=1.0
    )
    assert delay == expected


def test_backoff_is_capped_and_jittered_between_half_and_full():
    assert POLICY.backoff_delay(10, 1.0) == 4.0
    assert POLICY.backoff_delay(10, 0.0) == 2.0
    assert 0.25 <= retry_delay(POLICY, 0, status=503, retry_after=None, retry_safe=True, elapsed=0) <= 0.5


def test_total_time_budget_stops_retrying():
    assert retry_delay(POLICY, 0, status=503, retry_after=None, retry_safe=True, elapsed=99.9, rand=1.0) is None


def test_zero_retries_disables_retrying():
    off = RetryPolicy(max_retries=0)
    assert retry_delay(off, 0, status=503, retry_after=None, retry_safe=True, elapsed=0) is None
    assert retry_delay(off, 0, status=429, retry_after=1.0, retry_safe=True, elapsed=0) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Retry-After": "3"}, 3.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"X-RateLimit-Retry-After": "4", "Retry-After": "9"}, 4.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date():
    import time
    from email.utils import formatdate

    wait = parse_retry_after({"Retry-After": formatdate(time.time() + 20, usegmt=True)})
    assert wait is not None and 15 <= wait <= 21


def test_policy_is_an_immutable_value():
    changed = POLICY.with_(max_retries=5)
    assert changed.max_retries == 5 and POLICY.max_retries == 3
    with pytest.raises(AttributeError):
        POLICY.max_retries = 1  # type: ignore[misc]
