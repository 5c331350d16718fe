"""Per-call options: timeout, retry policy and extra headers for one call or for a view of an Api object, with
the official keywords still working, over real HTTP."""

from __future__ import annotations

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.retry import RetryPolicy


def _list_requests(emu):
    return [r for r in emu.requests if r.path == "/videos"]


def test_extra_headers_for_one_call(emu, client):
    VideosApi(client).list(_headers={"X-Request-Id": "job-42"})
    VideosApi(client).list()
    first, second = _list_requests(emu)
    assert first.headers["X-Request-Id"] == "job-42"
    assert "X-Request-Id" not in second.headers


def test_a_retry_policy_for_one_call(emu, client, sleeps):
    emu.inject("status", status=503, path="/videos", count=5)
    with pytest.raises(apivideo.ServiceException):
        VideosApi(client).list(_retries=0)
    assert len(_list_requests(emu)) == 1 and sleeps == []
    emu.clear_faults()
    emu.clear_requests()
    emu.inject("status", status=503, path="/videos", count=4)
    assert VideosApi(client).list(_retries=RetryPolicy(max_retries=4, backoff=0)).data == []
    assert len(_list_requests(emu)) == 5


def test_a_view_with_options_shares_the_client(emu, client, sleeps):
    videos = VideosApi(client)
    patient = videos.with_options(retries=5, headers={"X-Job": "nightly"}, timeout=(2, 30))
    assert patient.api_client is client
    emu.inject("status", status=503, path="/videos", count=3)
    patient.list()
    assert len(_list_requests(emu)) == 4
    assert all(r.headers["X-Job"] == "nightly" for r in _list_requests(emu))
    emu.clear_requests()
    videos.list()  # the original object is unchanged
    assert "X-Job" not in _list_requests(emu)[0].headers
    patient.list(_headers={"X-Step": "2"})  # a call's own headers are added to the view's
    assert {"X-Job", "X-Step"} <= set(_list_requests(emu)[1].headers.keys())


def test_a_view_of_a_view_keeps_both_option_sets(emu, client):
    view = VideosApi(client).with_options(headers={"A-One": "1"}).with_options(headers={"B-Two": "2"}, retries=0)
    view.list()
    headers = _list_requests(emu)[0].headers
    assert headers["A-One"] == "1" and headers["B-Two"] == "2"


@pytest.mark.parametrize(
    "options, error, match",
    [({"_retries": -1}, apivideo.ApiValueError, "_retries"),
     ({"_request_timeout": 0}, apivideo.ApiValueError, "_request_timeout"),
     ({"_request_timeout": (1, 2, 3)}, apivideo.ApiValueError, "_request_timeout"),
     ({"_headers": {"X-Bad": "a\r\nInjected: 1"}}, apivideo.ApiValueError, "X-Bad"),
     ({"_headers": ["not", "a", "dict"]}, apivideo.ApiTypeError, "_headers"),
     ({"_progress_listener": 3}, apivideo.ApiTypeError, "_progress_listener"),
     ({"_retrys": 2}, apivideo.ApiTypeError, "unexpected keyword argument '_retrys'")],
    ids=["retries", "timeout-zero", "timeout-triple", "header-crlf", "headers-list", "listener", "misspelt"],
)  # fmt: skip
def test_bad_options_are_refused_before_any_request(emu, client, options, error, match):
    with pytest.raises(error, match=match):
        VideosApi(client).list(**options)
    assert _list_requests(emu) == []


def test_a_bad_view_is_refused_when_it_is_made(client):
    with pytest.raises(apivideo.ApiValueError, match="retries"):
        VideosApi(client).with_options(retries="many")


def test_the_official_keywords_still_work_in_a_view(emu, client):
    view = VideosApi(client).with_options(headers={"X-View": "1"})
    page, status, headers = view.list(_return_http_data_only=False)
    assert status == 200 and page.data == [] and "Content-Type" in headers
    raw = view.list(_preload_content=False)
    assert raw.status == 200 and b'"data"' in raw.data
    assert view.list(async_req=True).get(timeout=10).data == []


def test_host_index_selects_a_server_of_the_official_list(emu):
    config = Configuration(host=emu.host)
    client = apivideo.ApiClient(config)
    with pytest.raises(apivideo.ApiValueError, match="server index"):
        VideosApi(client).list(_host_index=7)


def test_the_options_type_declares_exactly_the_keywords_calls_accept():
    """The option types (for type checkers, loaded on first use) and the names the calls check are one list."""
    import subprocess
    import sys

    from apivideo import options

    assert set(options.CallOptions.__annotations__) == options.CALL_OPTIONS
    assert set(options.UploadOptions.__annotations__) == options.UPLOAD_OPTIONS  # what chunked uploads accept
    assert {"CallOptions", "UploadOptions", "ProgressListener"} <= set(dir(options))  # help() and editors list them
    assert options.CALL_OPTIONS.isdisjoint(options.UPLOAD_ONLY)
    with pytest.raises(AttributeError, match="CallOption"):
        options.CallOption  # noqa: B018  (a misspelt name is still an AttributeError)
    code = "import sys; from apivideo.api.videos_api import VideosApi; print('apivideo.call_options' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
