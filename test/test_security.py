"""Security: TLS on by default, no credentials over plain http, secrets never shown, no header injection,
webhook signatures checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from typing import Iterator, List

import certifi
import pytest

import apivideo
from apivideo import webhooks
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.api.webhooks_api import WebhooksApi
from apivideo.configuration import Configuration
from apivideo.exceptions import ApiException, ApiValueError, OpenApiException
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.webhooks_creation_payload import WebhooksCreationPayload

MIB = 1024 * 1024
UNROUTABLE = "http://10.255.255.1"  # never contacted: every test below forbids the connection first


class _NoNetwork:
    """Stands in for urlopen: records the attempt and fails at once, so no packet ever leaves the host."""

    def __init__(self) -> None:
        self.calls: List[str] = []

    def __call__(self, method: str, url: str, *args: object, **kwargs: object) -> object:
        self.calls.append(f"{method} {url}")
        raise AssertionError(f"the SDK tried to connect: {method} {url}")


def _forbid_network(client: apivideo.ApiClient) -> _NoNetwork:
    guard = _NoNetwork()
    client.rest_client.pool_manager.urlopen = guard  # type: ignore[method-assign]
    return guard


# --------------------------------------------------------------------------- TLS


def test_tls_verification_is_on_by_default_with_certifi_bundle():
    client = apivideo.ApiClient(Configuration())
    kw = client.rest_client.pool_manager.connection_pool_kw
    assert kw["cert_reqs"] == "CERT_REQUIRED"
    assert kw["ca_certs"] == certifi.where()
    assert client.configuration.verify_ssl is True
    assert client.configuration.host.startswith("https://")
    client.close()


def test_turning_tls_verification_off_is_explicit_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="apivideo"):
        Configuration()
    assert not [r for r in caplog.records if r.name == "apivideo" and r.levelno >= logging.WARNING]
    with caplog.at_level(logging.WARNING, logger="apivideo"):
        cfg = Configuration(verify_ssl=False)
    warnings = [r for r in caplog.records if r.name == "apivideo" and r.levelno == logging.WARNING]
    assert warnings, "verify_ssl=False must log a warning on the apivideo logger"
    assert "verification" in warnings[0].getMessage().lower()
    client = apivideo.ApiClient(cfg)
    assert client.rest_client.pool_manager.connection_pool_kw["cert_reqs"] == "CERT_NONE"
    client.close()


# --------------------------------------------------------------------------- plain http


@pytest.mark.parametrize(
    "host",
    [
        UNROUTABLE,
        "http://10.255.255.1:8080/",
        "http://localhost.example.invalid",
        "http://127.0.0.1.example.invalid",
        "http://127.0.0.1@10.255.255.1",
        "http://[::1].example.invalid",
    ],
)
def test_api_key_is_never_sent_over_plain_http_to_a_remote_host(host):
    client = apivideo.AuthenticatedApiClient("a-secret-key", configuration=Configuration(host=host))
    guard = _forbid_network(client)
    started = time.monotonic()
    with pytest.raises(ApiValueError) as err:
        client.connect()
    assert time.monotonic() - started < 0.5, "refused before any connection attempt"
    assert guard.calls == []
    assert "allow_insecure_http" in str(err.value) and "https" in str(err.value)
    assert "a-secret-key" not in str(err.value)


def test_basic_auth_and_access_token_are_never_sent_over_plain_http():
    for cfg in (
        Configuration(host=UNROUTABLE, username="a-secret-key"),
        Configuration(host=UNROUTABLE, access_token="an-access-token"),
    ):
        client = apivideo.ApiClient(cfg)
        guard = _forbid_network(client)
        started = time.monotonic()
        with pytest.raises(ApiValueError):
            VideosApi(client).list()
        assert time.monotonic() - started < 0.5
        assert guard.calls == []


def test_upload_token_is_never_sent_over_plain_http_to_a_remote_host():
    """An upload token is a credential (anyone holding it can upload): same rule as an API key."""
    client = apivideo.ApiClient(Configuration(host=UNROUTABLE))
    guard = _forbid_network(client)
    with pytest.raises(ApiValueError):
        VideosApi(client).upload_with_upload_token("to1234567890secret", b"video bytes")
    assert guard.calls == [], "the upload token went out over plain http"


def test_loopback_http_is_allowed(emu):
    for host in (emu.host, emu.host.replace("127.0.0.1", "localhost")):
        with apivideo.AuthenticatedApiClient(emu.api_key, configuration=Configuration(host=host)) as client:
            assert VideosApi(client).list().data == []


# --------------------------------------------------------------------------- secrets


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(repr(record.exc_info[1]))


@pytest.fixture
def captured_logs() -> Iterator[_Capture]:
    handler = _Capture()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("apivideo", "urllib3")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
    try:
        yield handler
    finally:
        for lg, (level, propagate) in zip(loggers, saved):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate


def _secrets_seen_by_emulator(emu, api_key: str) -> set:
    found = {api_key}
    for rec in emu.requests:
        auth = rec.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            found.add(auth.split(" ", 1)[1].strip())
        if rec.path in ("/auth/api-key", "/auth/refresh") and rec.body:
            body = json.loads(rec.body)
            found.update(v for k, v in body.items() if k in ("apiKey", "refreshToken"))
        for key, value in rec.query:
            if key == "token":
                found.add(value)
    return {s for s in found if s}


def test_no_secret_appears_in_logs_reprs_or_errors(emu, captured_logs, tmp_path, sleeps):
    api_key = emu.api_key
    texts: List[str] = []
    cfg = Configuration(host=emu.host, chunk_size=5 * MIB)
    with apivideo.AuthenticatedApiClient(api_key, configuration=cfg) as client:
        client._sleep = sleeps.append
        videos = VideosApi(client)
        video = videos.create(VideoCreationPayload(title="secret-check"))
        token = UploadTokensApi(client).create_token(TokenCreationPayload(ttl=0))
        tokens_page = UploadTokensApi(client).list()
        # token upload, chunked (2 chunks), with a 503 on the second chunk retried on the way (the first chunk
        # creates the video, so it is not resent once it may have reached the server)
        emu.inject("status", status=503, path="/upload", skip=1)
        path = tmp_path / "clip.mp4"
        path.write_bytes(b"\x01" * (5 * MIB + 10))
        uploaded = videos.upload_with_upload_token(token.token, str(path))
        # refresh, then a 401 answered by replaying with a fresh token
        client.refresh_token()
        emu.expire_tokens()
        videos.get(video.video_id)
        # errors: a bad id, a deleted upload token, a refused refresh, a webhook with its secret
        hook = WebhooksApi(client).create(
            WebhooksCreationPayload(events=["video.encoding.quality.completed"], url="https://example.com/h")
        )
        UploadTokensApi(client).delete_token(token.token)
        errors: List[BaseException] = []
        for call in (
            lambda: videos.get("vi-does-not-exist"),
            lambda: videos.upload_with_upload_token(token.token, b"abc"),
            lambda: UploadTokensApi(client).get_token(token.token),
        ):
            try:
                call()
            except OpenApiException as exc:
                errors.append(exc)
        assert len(errors) == 3
        texts += [repr(client), str(client), repr(client.configuration), repr(client._token), str(client._token)]
        texts += [repr(token), str(token), repr(tokens_page), repr(uploaded), repr(hook), str(hook)]
        texts += [repr(video), str(video.to_str())]
    with pytest.raises(ApiException) as bad_key, apivideo.AuthenticatedApiClient("wrong-" + api_key, configuration=cfg):
        pass
    errors.append(bad_key.value)
    for exc in errors:
        texts += [str(exc), repr(exc), " ".join(str(a) for a in exc.args)]

    secrets = _secrets_seen_by_emulator(emu, api_key) | {token.token, "wrong-" + api_key}
    secrets.add(hook.signature_secret)
    kinds = {"access": 0, "refresh": 0, "upload": 0}
    for rec in emu.requests:
        if (rec.headers.get("Authorization") or "").lower().startswith("bearer"):
            kinds["access"] += 1
        if rec.path == "/auth/refresh":
            kinds["refresh"] += 1
        if rec.path == "/upload":
            kinds["upload"] += 1
    assert all(kinds.values()), f"the session did not exercise every credential: {kinds}"
    assert len(secrets) >= 5
    haystack = "\n".join(texts + captured_logs.lines)
    assert captured_logs.lines, "nothing was logged at DEBUG"
    leaks = {}
    for secret in secrets:
        where = [line for line in texts + captured_logs.lines if secret in line]
        if where:
            leaks[secret[:6] + "..."] = where[:3]
    assert not leaks, f"secrets visible in logs/reprs/errors: {leaks}"
    assert "Authorization" not in haystack or "Bearer " not in haystack


def test_api_key_and_tokens_not_in_client_attributes_repr(emu, config):
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        shown = repr(client) + repr(client.configuration) + repr(client._token) + repr(vars(client).keys())
        bearer = client._token.headers["Authorization"].split(" ", 1)[1]
        assert emu.api_key not in shown and bearer not in shown


# --------------------------------------------------------------------------- header injection

_CRLF_VALUES = ["a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rX-Injected: 1", "a\x00b"]


@pytest.mark.parametrize("value", _CRLF_VALUES, ids=["crlf", "lf", "cr", "nul"])
def test_application_and_sdk_identity_cannot_inject_headers(value):
    client = apivideo.ApiClient(Configuration())
    for setter in (client.set_application_name, client.set_sdk_name):
        with pytest.raises(ApiValueError):
            setter(value, "1.0.0")
        with pytest.raises(ApiValueError):
            setter("my-app", value)
    assert all("\r" not in v and "\n" not in v for v in client.default_headers.values())


@pytest.mark.parametrize("value", _CRLF_VALUES, ids=["crlf", "lf", "cr", "nul"])
def test_default_headers_cannot_inject_headers(value):
    client = apivideo.ApiClient(Configuration())
    with pytest.raises(ApiValueError):
        client.set_default_header("X-Custom", value)
    with pytest.raises(ApiValueError):
        client.set_default_header(value, "v")
    with pytest.raises(ApiValueError):
        client.user_agent = value
    with pytest.raises(ApiValueError):
        apivideo.ApiClient(Configuration(), header_name="X-Custom", header_value=value)


def _assert_refused_before_sending(emu, make_call):
    before = len(emu.requests)
    with pytest.raises(ApiValueError):
        make_call()
    assert len(emu.requests) == before, "a request was sent"


def test_cookie_cannot_inject_headers(emu):
    """The ``cookie`` argument is a header value too: refused with ApiValueError, nothing sent."""
    cfg = Configuration(host=emu.host, username=emu.api_key)
    _assert_refused_before_sending(
        emu, lambda: VideosApi(apivideo.ApiClient(cfg, cookie="a=b\r\nX-Injected: 1")).list()
    )


def test_default_headers_mutated_directly_cannot_inject_headers(emu):
    client = apivideo.ApiClient(Configuration(host=emu.host, username=emu.api_key))
    client.default_headers["X-Custom"] = "a\r\nX-Injected: 1"
    _assert_refused_before_sending(emu, lambda: VideosApi(client).list())


def test_upload_token_in_query_cannot_inject_headers(emu, client):
    videos = VideosApi(client)
    evil = "to1\r\nX-Injected: 1\r\n\r\nGET /videos HTTP/1.1"
    before = len(emu.requests)
    with pytest.raises(ApiException) as err:
        videos.upload_with_upload_token(evil, b"abc")
    assert err.value.status == 404
    sent = emu.requests[before:]
    assert len(sent) == 1
    assert "X-Injected" not in sent[0].headers
    assert "\r" not in sent[0].raw_path and "\n" not in sent[0].raw_path and " " not in sent[0].raw_path
    assert ("token", evil) in sent[0].query


def test_filename_cannot_inject_multipart_headers(emu, client):
    videos = VideosApi(client)
    vid = videos.create(VideoCreationPayload(title="f")).video_id
    source = io.BytesIO(b"abc")
    source.name = 'a"\r\nContent-Type: text/evil\r\n\r\nx.mp4'  # what _filename() reads
    videos.upload(vid, source)
    body = emu.requests[-1].body
    head = body.split(b"\r\n\r\n", 1)[0]
    assert b"text/evil" not in head
    assert emu.source_sha256(vid) == hashlib.sha256(b"abc").hexdigest()


# --------------------------------------------------------------------------- webhooks

SECRET = "sig-secret-0123456789"
BODY = json.dumps(
    {
        "type": "video.encoding.quality.completed",
        "emittedAt": "2024-01-01T00:00:00Z",
        "videoId": "vi1",
        "encoding": "hls",
        "quality": "720p",
    }  # fmt: skip
).encode()


def _sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhook_signature_accepts_a_genuine_event():
    event = webhooks.parse_event(BODY, {"X-Api-Video-Signature": _sign(BODY)}, secret=SECRET)
    assert isinstance(event, webhooks.VideoEncodingQualityCompleted)
    assert event.video_id == "vi1"
    event = webhooks.parse_event(BODY, {"x-api-video-signature": _sign(BODY).upper()}, secret=SECRET)
    assert event.quality == "720p"


def test_webhook_signature_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    webhooks.verify_signature(BODY, _sign(BODY), SECRET)
    with pytest.raises(webhooks.WebhookSignatureError):
        webhooks.verify_signature(BODY, _sign(BODY, "other"), SECRET)
    assert len(calls) == 2
    assert {_sign(BODY)} <= {c for pair in calls for c in pair}


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "   ",
        "zz" * 32,
        _sign(BODY)[:-1],
        _sign(BODY) + "0",
        _sign(BODY)[:32],
        "0x" + _sign(BODY)[2:],
        _sign(BODY, "wrong-secret"),
        _sign(BODY + b" "),
        "sha256=" + _sign(BODY),
        "é" * 64,
    ],
    ids=[
        "missing", "empty", "blank", "non_hex", "short", "long", "half", "0x_prefix", "wrong_secret",
        "other_body", "prefixed", "non_ascii",
    ],
)  # fmt: skip
def test_webhook_signature_rejections(signature):
    headers = {} if signature is None else {"X-Api-Video-Signature": signature}
    with pytest.raises(webhooks.WebhookSignatureError):
        webhooks.parse_event(BODY, headers, secret=SECRET)


def test_webhook_tampered_body_is_rejected():
    signature = _sign(BODY)
    for tampered in (BODY.replace(b"vi1", b"vi2"), BODY + b"\n", BODY[:-1], b"", BODY.upper()):
        with pytest.raises(webhooks.WebhookSignatureError):
            webhooks.parse_event(tampered, {"X-Api-Video-Signature": signature}, secret=SECRET)


def test_webhook_wrong_or_empty_secret_is_rejected():
    signature = _sign(BODY)
    with pytest.raises(webhooks.WebhookSignatureError):
        webhooks.parse_event(BODY, {"X-Api-Video-Signature": signature}, secret=SECRET + "x")
    with pytest.raises((ApiValueError, webhooks.WebhookSignatureError)):
        webhooks.parse_event(BODY, {"X-Api-Video-Signature": signature}, secret="")


def test_webhook_signed_non_json_body_is_rejected_cleanly():
    for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
        with pytest.raises(webhooks.WebhookSignatureError):
            webhooks.parse_event(body, {"X-Api-Video-Signature": _sign(body)}, secret=SECRET)


def test_a_token_refused_with_401_is_hidden_in_the_error_of_the_replay_too():
    """A 401 makes the client renew its token and send the request again; if the server's next error quotes the
    first token, that one is hidden as well as the second."""
    import http.server
    import threading

    tokens = iter(["first-bearer-token-0001", "second-bearer-token-0002"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer(200, {"access_token": next(tokens), "refresh_token": "r", "token_type": "Bearer",
                              "expires_in": 3600})  # fmt: skip

        def do_GET(self):
            if "first-bearer" in self.headers.get("Authorization", ""):
                self.answer(401, {"title": "expired"})
            else:
                self.answer(500, {"title": "token first-bearer-token-0001 was revoked"})

        def answer(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = Configuration(host=f"http://127.0.0.1:{server.server_port}", retries=apivideo.RetryPolicy(max_retries=0))
    try:
        with apivideo.AuthenticatedApiClient("key", configuration=cfg) as client, pytest.raises(ApiException) as caught:
            VideosApi(client).get("vi1")
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.status == 500
    text = f"{caught.value} {caught.value!r} {caught.value.body!r}"
    assert "first-bearer-token-0001" not in text and "revoked" in text


class _EchoServer:
    """A server on 127.0.0.1 that hands out tokens, then answers every other request with ``answer(path)``:
    (status, reason, headers, body bytes)."""

    KEY, ACCESS, REFRESH = "key-never-shown-0123456789", "access/never+shown=0002", "refresh-never-shown-0003"

    def __init__(self, answer):
        import http.server
        import threading

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/auth/"):
                    body = json.dumps({"access_token": outer.ACCESS, "refresh_token": outer.REFRESH,
                                       "token_type": "Bearer", "expires_in": 3600}).encode()  # fmt: skip
                    self.send(200, "OK", {"Content-Type": "application/json"}, body)
                else:
                    self.send(*answer(self.path))

            def do_GET(self):
                self.send(*answer(self.path))

            def send(self, status, reason, headers, body):
                self.send_response(status, reason)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.config = Configuration(host=f"http://127.0.0.1:{self.server.server_port}",
                                    retries=apivideo.RetryPolicy(max_retries=0))  # fmt: skip

    def errors_of(self, *calls, client=None):
        """The ApiException each call raises, made in turn with one client; then the server is stopped."""
        errors = []
        try:
            with client or apivideo.AuthenticatedApiClient(self.KEY, configuration=self.config) as c:
                for call in calls:
                    with pytest.raises(ApiException) as caught:
                        call(VideosApi(c))
                    errors.append(caught.value)
        finally:
            self.server.shutdown()
            self.server.server_close()
        return errors

    def error_of(self, call, client=None):
        return self.errors_of(call, client=client)[0]

    def shown(self, error):
        text = f"{error} {error!r} {vars(error)!r}"
        return [s for s in (self.KEY, self.ACCESS, self.REFRESH) if s in text]


def test_credentials_the_client_holds_are_hidden_even_when_the_call_did_not_send_them():
    """An error quoting the API key, the refresh token, or the access token of a client (here to an upload-token
    call, which sends no Authorization at all) shows none of them."""
    quoted = f"key {_EchoServer.KEY}, token {_EchoServer.ACCESS}, refresh {_EchoServer.REFRESH}"

    def answer(path):
        status, title = (400, "bad upload") if path.startswith("/upload") else (500, "internal")
        return status, "", {"Content-Type": "application/json"}, json.dumps({"title": f"{title} ({quoted})"}).encode()

    server = _EchoServer(answer)
    errors = server.errors_of(lambda videos: videos.get("vi1"),
                              lambda videos: videos.upload_with_upload_token("to1", b"bytes"))  # fmt: skip
    assert [e.status for e in errors] == [500, 400]
    for error in errors:
        assert server.shown(error) == [] and "never" not in f"{error.body!r} {vars(error)!r}"
        assert error.title in ("internal (key <hidden>, token <hidden>, refresh <hidden>)",
                               "bad upload (key <hidden>, token <hidden>, refresh <hidden>)")  # the rest is kept


def test_credentials_the_server_quotes_with_json_escapes_stay_hidden_in_the_parsed_problem():
    # "/" written as "\/" (PHP's default), and a character written as a \u escape: the parsed problem holds the
    # real values, so hiding only the raw text would not be enough
    access = _EchoServer.ACCESS.replace("/", "\\/")
    refresh = "\\u0072" + _EchoServer.REFRESH[1:]
    body = f'{{"title": "bad", "detail": "token {access}", "problems": [{{"title": "refresh {refresh}"}}]}}'
    server = _EchoServer(lambda path: (400, "Bad Request", {"Content-Type": "application/json"}, body.encode()))
    error = server.error_of(lambda videos: videos.get("vi1"))
    assert server.shown(error) == [] and "\\u0072efresh-never" not in error.body
    assert error.title == "bad" and error.detail == "token <hidden>"
    assert error.problems == [{"title": "refresh <hidden>"}]


def test_credentials_in_answer_header_names_and_at_a_cut_body_end_stay_hidden():
    from apivideo.rest import MAX_ERROR_BODY

    body = b"x" * (MAX_ERROR_BODY - 20) + b" token " + _EchoServer.ACCESS.encode()  # cut 13 bytes into the token
    headers = {"Content-Type": "text/plain", f"X-Echo-{_EchoServer.REFRESH}": "1"}
    server = _EchoServer(lambda path: (500, "Internal", headers, body))
    error = server.error_of(lambda videos: videos.get("vi1", _preload_content=False))
    assert server.shown(error) == []
    assert _EchoServer.ACCESS[:8] not in error.body and error.body.endswith(" token <hidden>")
    assert error.route == "GET /videos/{videoId}"  # the SDK's own words are left alone


def test_the_api_key_given_as_the_basic_auth_username_is_hidden():
    body = json.dumps({"title": f"no video for user {_EchoServer.KEY}"}).encode()
    server = _EchoServer(lambda path: (404, "Not Found", {"Content-Type": "application/json"}, body))
    config = server.config
    config.username = _EchoServer.KEY
    error = server.error_of(lambda videos: videos.get("vi1"), apivideo.ApiClient(config))
    assert server.shown(error) == [] and error.title == "no video for user <hidden>"


def test_a_client_shows_no_token_in_its_attributes(emu, config):
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
        VideosApi(client).list()
        token = client._token.headers["Authorization"]
        assert token.partition(" ")[2] not in repr(vars(client))


def test_credentials_a_server_puts_in_an_unparsable_header_stay_out_of_urllib3_log_records(caplog):
    """urllib3 logs a header line it cannot parse at WARNING, quoting it, with a traceback: an application's usual
    logging shows neither the line's secret nor the traceback's."""
    from _garbage_server import GarbageServer, fixed

    key = _EchoServer.KEY
    answer = f"HTTP/1.1 400 Bad\r\nContent-Length: 2\r\n{key} no colon here\r\n\r\n{{}}".encode()
    caplog.set_level(logging.WARNING, logger="urllib3")
    with GarbageServer(fixed(answer)) as server:
        config = Configuration(host=server.host, username=key, retries=apivideo.RetryPolicy(max_retries=0))
        with apivideo.ApiClient(config) as client, pytest.raises(ApiException) as caught:
            VideosApi(client).get("vi1")
    assert caught.value.status == 400
    warned = [r for r in caplog.records if r.name.startswith("urllib3") and "parse headers" in r.getMessage()]
    assert warned, "urllib3 did not log the header it could not parse"
    shown = logging.Formatter().format(warned[0])
    assert key not in caplog.text and key not in shown and "<hidden> no colon here" in shown


def test_a_cookie_value_quoted_alone_is_hidden():
    value = "cookie-value-never-shown-0004"
    body = json.dumps({"title": f"session {value} expired"}).encode()
    server = _EchoServer(lambda path: (401, "Unauthorized", {"Content-Type": "application/json"}, body))
    client = apivideo.ApiClient(server.config, cookie=f"lang=en; sid={value}")
    error = server.error_of(lambda videos: videos.get("vi1"), client)
    assert value not in f"{error} {error!r} {vars(error)!r}" and error.title == "session <hidden> expired"


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"title": f"bad key {_EchoServer.KEY}"}).encode("utf-16"),  # the key with a NUL between its letters
        json.dumps(["bad key", "\\u006b" + _EchoServer.KEY[1:]]).encode(),  # JSON, not a problem document
        b'{"detail": "bad key \\u006b' + _EchoServer.KEY[1:].encode() + b'", "pad": "' + b"x" * 70000 + b'"}',  # cut
    ],
    ids=["utf-16", "array", "cut problem"],
)
def test_a_key_the_server_encodes_its_own_way_is_hidden(body):
    server = _EchoServer(lambda path: (400, "Bad Request", {"Content-Type": "application/json"}, body))
    error = server.error_of(lambda videos: videos.get("vi1"))
    shown = f"{error} {error!r} {vars(error)!r}"
    assert server.shown(error) == [] and "<hidden>" in shown and "bad key" in shown
    assert _EchoServer.KEY not in shown.replace("\x00", "") and _EchoServer.KEY[1:] not in shown
