"""What a user catches: exception classes, problem fields, retries of transient failures."""

from __future__ import annotations

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.retry import RetryPolicy


def test_404_is_not_found_with_the_problem_fields(emu, client):
    with pytest.raises(apivideo.NotFoundException) as info:
        VideosApi(client).get("vi-missing")
    err = info.value
    assert err.status == 404
    assert err.title == "The requested resource was not found."
    assert err.name == "videoId"
    assert err.type == "https://docs.api.video/reference/resource-not-found"
    assert err.body and "resource-not-found" in err.body
    assert "404" in str(err) and "GET /videos/{videoId}" in str(err)


def test_400_lists_the_problems(emu, config, client):
    client.configuration.client_side_validation = False
    with pytest.raises(apivideo.BadRequestException) as info:
        VideosApi(client).list(page_size=1000)
    assert info.value.status == 400
    assert info.value.problems and all(isinstance(p, dict) for p in info.value.problems)


def test_429_waits_the_announced_time_then_succeeds(emu, client, sleeps):
    emu.inject("status", status=429, retry_after=2, path="/videos")
    assert VideosApi(client).list().data == []
    assert sleeps == [2.0]
    assert [r.status for r in emu.requests if r.path == "/videos"] == [429, 200]


def test_429_beyond_the_cap_raises_with_retry_after(emu, client, sleeps):
    client.configuration.retries = RetryPolicy(max_retry_after=5)
    emu.inject("status", status=429, retry_after=30, path="/videos")
    with pytest.raises(apivideo.TooManyRequestsException) as info:
        VideosApi(client).list()
    assert info.value.retry_after == 30.0
    assert sleeps == []


def test_503_on_get_is_retried(emu, client, sleeps):
    emu.inject("status", status=503, path="/videos")
    assert VideosApi(client).list().data == []
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.5


def test_post_create_is_not_retried_after_a_500_or_503(emu, client, sleeps):
    for status in (500, 503):
        emu.clear_requests()
        emu.inject("status", status=status, method="POST", path="/videos")
        with pytest.raises(apivideo.ServiceException) as info:
            VideosApi(client).create(VideoCreationPayload(title="once"))
        assert info.value.status == status
        assert len([r for r in emu.requests if r.path == "/videos"]) == 1
    assert VideosApi(client).list().pagination.items_total == 0


def test_dropped_connection_on_get_is_retried(emu, client, sleeps):
    emu.inject("drop", path="/videos")
    assert VideosApi(client).list().data == []
    assert len(sleeps) == 1


def test_dropped_connection_on_create_raises_a_connection_error(emu, client, sleeps):
    emu.inject("drop", method="POST", path="/videos")
    with pytest.raises(apivideo.ApiConnectionException):
        VideosApi(client).create(VideoCreationPayload(title="maybe"))
    assert sleeps == []


def test_retries_exhausted_surface_the_last_error(emu, client, sleeps):
    emu.inject("status", status=503, count=3, path="/videos")
    with pytest.raises(apivideo.ServiceException):
        VideosApi(client).list()
    assert len(sleeps) == 2  # the default policy: two retries


def test_zero_retries_disables_retrying(emu, client, sleeps):
    client.configuration.retries = 0
    emu.inject("status", status=503, path="/videos")
    with pytest.raises(apivideo.ServiceException):
        VideosApi(client).list()
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Bad gateway</body></html>", "text/html"),
        (b"", "text/plain"),
        (b'{"title": "trun', "application/json"),
    ],
)
def test_non_json_error_bodies_still_give_an_api_exception(emu, client, body, content_type):
    emu.inject("raw", status=418, body=body, content_type=content_type, path="/videos")
    with pytest.raises(apivideo.ApiException) as info:
        VideosApi(client).list()
    assert info.value.status == 418
    assert info.value.body == body.decode()
    assert info.value.title is None


def test_invalid_json_in_a_success_is_an_api_exception(emu, client):
    emu.inject("raw", status=200, body=b"{not json", content_type="application/json", path="/videos")
    with pytest.raises(apivideo.ApiException, match="not valid JSON"):
        VideosApi(client).list()


def test_unreachable_host_is_a_connection_exception():
    config = Configuration(host="http://127.0.0.1:9", retries=0)
    with pytest.raises(apivideo.ApiConnectionException) as info:
        apivideo.AuthenticatedApiClient("k", configuration=config).connect()
    assert isinstance(info.value, apivideo.ApiAuthException)  # connect() fails with ApiAuthException, as documented
    text = str(info.value)
    assert "could not reach http://127.0.0.1:9" in text and "connection refused" in text
    assert "HTTPConnection" not in text and "object at" not in text


def test_request_timeout_is_a_timeout_exception(emu, client):
    client.configuration.retries = 0
    emu.inject("latency", delay=0.5, path="/videos")
    with pytest.raises(apivideo.ApiTimeoutException):
        VideosApi(client).list(_request_timeout=0.1)
