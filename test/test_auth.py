"""Token exchange, refresh, 401 replay, thread safety and a clean exit, over real HTTP."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from _threads import threads_left_since

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.model.video_creation_payload import VideoCreationPayload


def _auth_calls(emu, path):
    return [r for r in emu.requests if r.path == path]


def test_with_block_exchanges_the_key_and_sends_bearer(emu, config):
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        VideosApi(client).list()
    exchange, listing = emu.requests[0], emu.requests[1]
    assert (exchange.method, exchange.path) == ("POST", "/auth/api-key")
    assert listing.headers["Authorization"].startswith("Bearer ")
    assert listing.headers["AV-Origin-Client"] == f"python:{apivideo.__version__}"


def test_bad_key_fails_at_the_with_line_without_leaking_it(emu, config):
    with pytest.raises(apivideo.ApiAuthException) as info:  # noqa: SIM117 - the inner with is what fails
        with apivideo.AuthenticatedApiClient("not-a-real-key-123", configuration=config):
            pytest.fail("the block must not run")
    assert info.value.status == 400
    assert "API key" in str(info.value)
    assert "not-a-real-key-123" not in str(info.value) + repr(info.value)


def test_refresh_happens_before_expiry_on_the_calling_thread(emu, client):
    emu.token_lifetime = 1
    client.refresh_token()  # pick up a 1 s token
    api = VideosApi(client)
    api.list()
    time.sleep(1.05)
    emu.clear_requests()
    api.list()
    paths = [r.path for r in emu.requests]
    assert paths == ["/auth/refresh", "/videos"]


def test_a_401_triggers_one_refresh_and_one_replay(emu, client):
    api = VideosApi(client)
    api.list()
    emu.expire_tokens()
    emu.clear_requests()
    assert api.list().data == []
    assert [(r.path, r.status) for r in emu.requests] == [("/videos", 401), ("/auth/refresh", 200), ("/videos", 200)]


def test_refused_refresh_falls_back_to_the_api_key(emu, client):
    client._token.refresh = "revoked"
    emu.expire_tokens()
    emu.clear_requests()
    VideosApi(client).list()
    assert [r.path for r in emu.requests] == ["/videos", "/auth/refresh", "/auth/api-key", "/videos"]


def test_eight_threads_sharing_an_expired_token_refresh_exactly_once(emu, client):
    api = VideosApi(client)
    api.list()
    client._token.renew_at = 0.0  # the cached token is now due for renewal
    emu.clear_requests()
    errors = []
    barrier = threading.Barrier(8)

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                api.list()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert len(_auth_calls(emu, "/auth/refresh")) == 1
    assert len(_auth_calls(emu, "/videos")) == 40


def test_leaving_the_block_is_fast_sends_nothing_and_leaves_no_thread(emu, config):
    before = set(threading.enumerate())
    client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
    with client:
        VideosApi(client).list()
        emu.clear_requests()
        started = time.perf_counter()
    elapsed = time.perf_counter() - started
    assert emu.requests == []
    assert elapsed < 0.05
    assert threads_left_since(before) == set()


def test_async_req_threads_are_joined_on_exit(emu, config):
    before = set(threading.enumerate())
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config, pool_threads=2) as client:
        pending = VideosApi(client).list(async_req=True)
        assert pending.get(10).data == []
    assert threads_left_since(before) == set()


def test_connect_and_refresh_token_are_public(emu, config):
    client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
    with pytest.raises(apivideo.ApiAuthException):
        client.refresh_token()  # not connected yet
    client.connect()
    client.refresh_token()
    assert [r.path for r in emu.requests] == ["/auth/api-key", "/auth/refresh"]
    client.close()


def test_production_flag_picks_the_host_unless_configured():
    assert apivideo.AuthenticatedApiClient("k").configuration.host == "https://ws.api.video"
    assert apivideo.AuthenticatedApiClient("k", production=False).configuration.host == "https://sandbox.api.video"
    mine = Configuration(host="http://127.0.0.1:9")
    assert apivideo.AuthenticatedApiClient("k", production=False, configuration=mine).configuration.host == (
        "http://127.0.0.1:9"
    )


def test_basic_auth_option_sends_the_key_as_user_name(emu, config):
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config, basic_auth=True) as client:
        VideosApi(client).list()
    assert [r.path for r in emu.requests] == ["/videos"]
    assert emu.requests[0].headers["Authorization"].startswith("Basic ")


def test_secrets_never_reach_reprs_or_logs(emu, config, caplog):
    caplog.set_level(logging.DEBUG)
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        api = VideosApi(client)
        video = api.create(VideoCreationPayload(title="secret test"))
        emu.expire_tokens()
        api.get(video.video_id)
        token = client._token
        secrets = [emu.api_key, token.refresh, token.headers["Authorization"].split()[1]]
        texts = [repr(client), str(client), repr(client.configuration), repr(token), caplog.text]
    for secret in secrets:
        for text in texts:
            assert secret not in text


def test_plain_http_to_a_remote_host_is_refused_before_sending_credentials():
    config = Configuration(host="http://api.example.invalid")  # never contacted: refused before sending
    client = apivideo.AuthenticatedApiClient("k", configuration=config)
    with pytest.raises(apivideo.ApiValueError, match="plain http"):
        client.connect()


@pytest.mark.parametrize(
    "status, body, content_type",
    [(500, b'{"title": "Internal Server Error", "status": 500}', "application/json"),
     (502, b"<html><body>Bad Gateway</body></html>", "text/html")],
    ids=["500", "html-502"],
)  # fmt: skip
def test_an_outage_of_the_token_endpoint_is_not_a_refused_key(emu, config, status, body, content_type):
    config.retries = 0
    emu.inject("raw", status=status, body=body, content_type=content_type, path="/auth/api-key")
    with pytest.raises(apivideo.ServiceException) as info:
        apivideo.AuthenticatedApiClient(emu.api_key, configuration=config).connect()
    assert not isinstance(info.value, apivideo.ApiAuthException)
    assert info.value.status == status and "refused" not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [b'{"access_token": "eyJ-partial', b'{"access_token": null, "token_type": "Bearer", "expires_in": 3600}',
     b'{"access_token": "", "expires_in": 3600}', b'{"access_token": "abcd", "expires_in": "soon"}'],
    ids=["truncated", "null", "empty", "bad-expiry"],
)  # fmt: skip
def test_a_token_answer_without_a_usable_token_is_refused_without_echoing_it(emu, config, body):
    emu.inject("raw", status=200, body=body, path="/auth/api-key", count=2)
    client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)
    with pytest.raises(apivideo.ApiAuthException, match="malformed token answer") as info:
        client.connect()
    assert info.value.body is None and "eyJ-partial" not in repr(info.value.__dict__)
    emu.clear_requests()
    with pytest.raises(apivideo.ApiAuthException):
        VideosApi(client).list()  # never sent as "Bearer None"
    assert all(r.path == "/auth/api-key" for r in emu.requests)


def test_the_bad_key_message_says_it_once(emu, config):
    with pytest.raises(apivideo.ApiAuthException) as info:
        apivideo.AuthenticatedApiClient("not-a-real-key-123", configuration=config).connect()
    text = str(info.value)
    assert text.count("The user credentials were incorrect") == 1 and "refused the API key" in text


def test_a_still_valid_token_is_kept_when_renewing_it_early_fails(emu, client, caplog):
    VideosApi(client).list()
    kept = client._token.headers["Authorization"]
    client._token.renew_at = time.monotonic() - 1  # due for renewal, still valid for an hour
    for path in ("/auth/refresh", "/auth/api-key"):
        emu.inject("raw", status=200, body=b'{"access_token": null}', path=path)
    emu.clear_requests()
    with caplog.at_level(logging.WARNING, logger="apivideo"):
        assert VideosApi(client).list().data == []
        assert VideosApi(client).list().data == []  # no second attempt right away
    assert [r.path for r in emu.requests] == ["/auth/refresh", "/auth/api-key", "/videos", "/videos"]
    assert emu.requests[-1].headers["Authorization"] == kept
    assert "stays valid" in caplog.text and kept.split()[1] not in caplog.text
