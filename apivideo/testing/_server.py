"""HTTP server, request dispatch and the public :class:`Emulator` class."""

from __future__ import annotations

import base64
import contextlib
import http
import json
import socket
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from ._common import ApiError, problem
from ._multipart import BodyError, BodyReader
from ._ratelimit import PRODUCTION_RATE_LIMITS, Classifier, RateLimitConfigError, RateLimiter, rate_limit_bucket
from ._router import Ctx, Router
from ._state import DEFAULT_LOG_BODY_LIMIT, DEFAULT_LOG_LIMIT, Fault, RecordedRequest, State

SOCKET_TIMEOUT = 30.0
DEFAULT_API_KEY = "emulator-api-key"

_ANSWER_FAULTS = ("status", "drop", "latency", "raw")  # applied before the request reaches its route
_FAULT_KINDS = (*_ANSWER_FAULTS, "lose")  # "lose": applied by the upload routes


def _build_router() -> Router:
    from . import _analytics, _resources, _videos

    router = Router()
    router.extend(_videos.router)
    router.extend(_resources.router)
    router.extend(_analytics.router)
    return router


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128  # many clients connecting at once are accepted, not made to retry

    def __init__(self, addr: Any, emulator: Emulator):
        self.emulator = emulator
        self.open_sockets: set[Any] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # stay quiet
        pass

    def close_all_connections(self) -> None:
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT
    server_version = "apivideo-emulator"
    sys_version = ""
    server: _Server
    _rec: RecordedRequest | None = None
    _reader: BodyReader | None = None
    _rate: dict[str, str] = {}  # replaced per request, never mutated

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- responses -----------------------------------------------------------------
    def _finalize(self, status: int | None, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        """Complete the log record before the client can see the answer."""
        rec, reader = self._rec, self._reader
        if rec is None:
            return
        state = self.server.emulator._state
        with state.lock:
            if reader is not None:
                rec.body = reader.captured
                rec.body_size = reader.consumed
            rec.status = status
            if headers is not None:
                rec.response_headers = headers
                rec.response_body = body[: state.log_body_limit]

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
        rate_limits: bool = True,
    ) -> None:
        sent: dict[str, str] = {}
        no_body = status in (204, 304)
        if content_type and not no_body:
            sent["Content-Type"] = content_type
        if rate_limits:
            sent.update(self._rate)
        sent.update(headers or {})
        if not no_body:
            sent["Content-Length"] = str(len(body))
        if self.close_connection:
            sent["Connection"] = "close"
        self._finalize(status, sent, body)
        self.send_response(status)
        for k, v in sent.items():
            self.send_header(k, v)
        if body and not no_body and self.command != "HEAD":
            # one write for headers + body (avoids Nagle/delayed-ACK stalls)
            self._headers_buffer.append(b"\r\n" + body)  # type: ignore[attr-defined]
            self.flush_headers()
        else:
            self.end_headers()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        if obj is None:  # 202 and 204: no content, hence no Content-Type
            self._send(status, b"", None, headers)
            return
        ctype = "application/problem+json" if status >= 400 else "application/json"
        self._send(status, json.dumps(obj).encode("utf-8"), ctype, headers)

    # -- dispatch -----------------------------------------------------------------------
    def _dispatch(self) -> None:
        emu = self.server.emulator
        state = emu._state
        raw_path = self.path
        path, _, query_string = raw_path.partition("?")
        path = path.split("#", 1)[0]
        query = parse_qsl(query_string, keep_blank_values=True)
        rec = RecordedRequest(self.command, path, query, raw_path, self.headers)
        state.record(rec)
        self._rec, self._reader, self._rate = rec, None, {}
        try:
            admitted, self._rate = emu._limiter.admit(self.command, path)
        except RateLimitConfigError as exc:
            admitted = True
            misconfigured: str | None = str(exc)
        else:
            misconfigured = None

        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        length: int | None = None
        if not chunked:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._send_json(400, problem(400, "request-invalid-header", "Invalid Content-Length.").problem)
                self._rec = None
                return
        reader = BodyReader(self.rfile, length, chunked, capture=state.log_body_limit)
        self._reader = reader
        try:
            if misconfigured is not None:
                reader.drain()
                err = problem(500, "internal-error", "Emulator misconfigured.", detail=misconfigured)
                self._send_json(500, err.problem)
                status: int | None = 500
            elif not admitted:
                reader.drain()
                self._send_json(429, _status_problem(429))
                status = 429
            else:
                status = self._handle(state, emu, rec, path, query, reader)
        except (TimeoutError, BodyError, OSError):
            self.close_connection = True
            status = None
            self._finalize(status)
        self._rec = self._reader = None

    def _handle(
        self, state: State, emu: Emulator, rec: RecordedRequest, path: str, query: list[Any], reader: BodyReader
    ) -> int | None:
        fault = state.take_fault(self.command, path, _ANSWER_FAULTS)
        if fault is not None:
            rec.injected = fault.kind
            if fault.kind == "latency":
                time.sleep(fault.delay)
            elif fault.kind == "drop":
                half = (reader.length or 0) // 2
                while reader.consumed < half:
                    if not reader.read(min(half - reader.consumed, 1 << 20)):
                        break
                self.close_connection = True
                self._finalize(None)
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return None
            elif fault.kind == "raw":
                reader.drain()
                self._send(fault.status, fault.body or b"", fault.content_type, fault.headers, rate_limits=False)
                return fault.status
            else:  # status
                reader.drain()
                headers = dict(fault.headers)
                if fault.retry_after is not None:
                    ra = fault.retry_after
                    headers["X-RateLimit-Retry-After"] = str(int(ra) if float(ra).is_integer() else ra)
                if fault.status == 429:
                    headers.setdefault("X-RateLimit-Remaining", "0")
                self._send_json(fault.status, _status_problem(fault.status), headers)
                return fault.status

        try:
            segs = [unquote(s) for s in path.split("/")[1:]]
            route, params = emu._router.resolve(self.command, segs)
            if route.secured and not self._authorized(state):
                raise problem(401, "authentication-invalid", "The access token is invalid or has expired.")
            ctx = Ctx(state, self.command, params, query, self.headers, reader, emu.host, path)
            status, obj = route.handler(ctx)
            reader.drain()
            if ctx.injected is not None:
                rec.injected = ctx.injected
            self._send_json(status, obj)
            return status
        except ApiError as err:
            reader.drain()
            self._send_json(err.status, err.problem, err.headers)
            return err.status
        except (BodyError, OSError):
            raise
        except Exception as exc:  # emulator bug: answer 500, keep serving
            self.close_connection = True
            self._send_json(500, problem(500, "internal-error", "Emulator internal error.", detail=repr(exc)).problem)
            return 500

    def _authorized(self, state: State) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, cred = header.partition(" ")
        scheme = scheme.lower()
        cred = cred.strip()
        if scheme == "bearer" and cred:
            return state.access_valid(cred)
        if scheme == "basic" and cred:
            try:
                user, _, password = base64.b64decode(cred, validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return user == state.api_key and password == ""
        return False


def _status_problem(status: int) -> dict[str, Any]:
    if status == 429:
        return {
            "type": "https://docs.api.video/reference/too-many-requests",
            "title": "Too many requests.",
            "status": 429,
        }
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    slug = phrase.lower().replace(" ", "-")
    return {"type": f"https://docs.api.video/reference/{slug}", "title": f"{phrase}.", "status": status}


class Emulator:
    """A local, stateful, in-memory stand-in for the api.video API.

    Use it as a context manager (or call :meth:`start`/:meth:`stop`); point a client at
    :attr:`host` and authenticate with :attr:`api_key`. The keyword-only settings are those of
    :meth:`configure`, which changes them while the emulator runs.
    """

    def __init__(
        self,
        port: int = 0,
        api_key: str | None = None,
        token_lifetime: float = 3600,
        sink: bool = False,
        *,
        rate_limits: Mapping[str, int] | None = None,
        rate_limit_window: float = 60.0,
        enforce_rate_limits: bool = False,
        rate_limit_classifier: Classifier | None = None,
        encoding_time: float = 0.0,
        analytics_seed: int = 0,
        log_limit: int = DEFAULT_LOG_LIMIT,
        log_body_limit: int = DEFAULT_LOG_BODY_LIMIT,
    ):
        self._port = port
        self._state = State(api_key or DEFAULT_API_KEY, token_lifetime, sink)
        self._limiter = RateLimiter()
        self._router = _build_router()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.host = ""
        self._initial: dict[str, Any] = {
            "token_lifetime": token_lifetime,
            "rate_limits": dict(PRODUCTION_RATE_LIMITS, **(rate_limits or {})),
            "rate_limit_window": rate_limit_window,
            "enforce_rate_limits": enforce_rate_limits,
            "rate_limit_classifier": rate_limit_classifier or rate_limit_bucket,
            "encoding_time": encoding_time,
            "analytics_seed": analytics_seed,
            "log_limit": log_limit,
            "log_body_limit": log_body_limit,
        }
        self.configure(**self._initial)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> Emulator:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port), self)
        self._server = server
        self.host = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="apivideo-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        server.close_all_connections()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int | None:
        return self._server.server_address[1] if self._server else None

    # -- configuration -----------------------------------------------------------------
    @property
    def api_key(self) -> str:
        return self._state.api_key

    @property
    def sink(self) -> bool:
        return self._state.sink

    @property
    def token_lifetime(self) -> float:
        return self._state.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        with self._state.lock:
            self._state.token_lifetime = seconds

    def configure(
        self,
        *,
        token_lifetime: float | None = None,
        rate_limits: Mapping[str, int] | None = None,
        rate_limit_window: float | None = None,
        enforce_rate_limits: bool | None = None,
        rate_limit_classifier: Classifier | None = None,
        encoding_time: float | None = None,
        analytics_seed: int | None = None,
        log_limit: int | None = None,
        log_body_limit: int | None = None,
    ) -> None:
        """Change settings while the emulator runs; a setting left out (None) keeps its value.

        - ``rate_limits``: requests per window by bucket, merged into the current ones (production figures by
          default: :data:`PRODUCTION_RATE_LIMITS`; :data:`SANDBOX_RATE_LIMITS` has the sandbox's);
        - ``rate_limit_window``: the window length in seconds (60 on api.video); changing it restarts every window;
        - ``enforce_rate_limits``: answer 429 when a bucket is spent (otherwise the limits are only advertised);
        - ``rate_limit_classifier``: ``f(method, path) -> bucket name`` (:func:`rate_limit_bucket` by default);
        - ``encoding_time``: seconds a source takes to encode once its last byte arrived (0: at once);
        - ``analytics_seed``: the seed of the analytics figures (same seed, same figures);
        - ``log_limit`` / ``log_body_limit``: requests kept in :attr:`requests`, bytes kept of each body.
        """
        for name, value in (("token_lifetime", token_lifetime), ("encoding_time", encoding_time)):
            if value is not None and (isinstance(value, bool) or not value >= 0):
                raise ValueError(f"{name} must be a number of seconds >= 0")
        for name, count in (("log_limit", log_limit), ("log_body_limit", log_body_limit)):
            if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
                raise ValueError(f"{name} must be a whole number >= 0")
        if analytics_seed is not None and (isinstance(analytics_seed, bool) or not isinstance(analytics_seed, int)):
            raise ValueError("analytics_seed must be an integer")
        self._limiter.configure(rate_limits, rate_limit_window, enforce_rate_limits, rate_limit_classifier)
        state = self._state
        with state.lock:
            if token_lifetime is not None:
                state.token_lifetime = token_lifetime
            if encoding_time is not None:
                state.encoding_time = float(encoding_time)
            if analytics_seed is not None:
                state.analytics_seed = analytics_seed
            if log_limit is not None:
                state.set_log_limit(log_limit)
            if log_body_limit is not None:
                state.log_body_limit = log_body_limit

    @property
    def settings(self) -> dict[str, Any]:
        """The current value of every :meth:`configure` setting."""
        limiter, state = self._limiter, self._state
        with state.lock:
            return {
                "token_lifetime": state.token_lifetime,
                "rate_limits": dict(limiter.limits),
                "rate_limit_window": limiter.window,
                "enforce_rate_limits": limiter.enforce,
                "rate_limit_classifier": limiter.classifier,
                "encoding_time": state.encoding_time,
                "analytics_seed": state.analytics_seed,
                "log_limit": state.log.maxlen,
                "log_body_limit": state.log_body_limit,
            }

    def rate_limit_status(self) -> dict[str, dict[str, float]]:
        """Per bucket, right now: ``limit``, ``remaining`` and ``reset`` (seconds until its window ends)."""
        return self._limiter.snapshot()

    def expire_tokens(self) -> None:
        """Invalidate every access token issued so far (refresh tokens stay valid)."""
        self._state.expire_tokens()

    def fail_encoding(self, video_id: str | None = None) -> None:
        """Make the encoding of ``video_id`` fail, or, without an id, of the next source upload to complete.

        Its qualities report ``failed`` when they would have been encoded, and it never becomes playable.
        """
        state = self._state
        with state.lock:
            if video_id is None:
                state.fail_next_encodings += 1
                return
            video = state.videos.get(video_id) or state.discarded.get(video_id)
            if video is None:
                raise KeyError(f"no video {video_id!r} in the emulator")
            video.upload.encoding_fails = True

    # -- faults ----------------------------------------------------------------------------
    def inject(
        self,
        kind: str,
        *,
        status: int | None = None,
        count: int = 1,
        skip: int = 0,
        method: str | None = None,
        path: str | None = None,
        path_regex: str | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
        body: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue a fault for the next matching request(s); see the package docs for kinds.

        ``"lose"`` applies to source uploads only (``POST /videos/{videoId}/source`` and ``POST /upload``): the
        chunk is answered as usual but its bytes are not kept.
        """
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {_FAULT_KINDS}")
        if count < 1 or skip < 0:
            raise ValueError("count must be >= 1 and skip >= 0")
        if status is None:
            status = 429 if retry_after is not None else (200 if kind == "raw" else 503)
        if isinstance(body, str):
            body = body.encode("utf-8")
        fault = Fault(
            kind=kind,
            method=method,
            path=path,
            path_regex=path_regex,
            skip=skip,
            count=count,
            status=status,
            retry_after=retry_after,
            delay=delay,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
        )
        with self._state.lock:
            self._state.faults.append(fault)

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults = []

    # -- inspection ----------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """The most recent requests (at most ``log_limit``), oldest first; copies."""
        return self._state.snapshot_log()

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.log.clear()

    def source_sha256(self, video_id: str) -> str | None:
        return self._state.source_sha256(video_id)

    def source_bytes(self, video_id: str) -> bytes | None:
        """The reassembled uploaded source (None if incomplete or in sink mode)."""
        with self._state.lock:
            video = self._state.videos.get(video_id) or self._state.discarded.get(video_id)
            return None if video is None else video.upload.source_bytes()

    def reset(self) -> None:
        """Back to the state right after construction.

        Empties every store, queued fault, the request log and the rate-limit counters, and restores the settings
        given to the constructor (undoing :meth:`configure` and :attr:`token_lifetime` changes).
        """
        self._state.reset()
        self._limiter.reset(self._initial["rate_limits"])
        self.configure(**self._initial)
