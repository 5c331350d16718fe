"""HTTP server, request dispatch and the public :class:`Emulator` class."""

from __future__ import annotations

import base64
import contextlib
import http
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from ._common import ApiError, problem
from ._multipart import BodyError, BodyReader
from ._router import Ctx, Router
from ._state import Fault, RecordedRequest, State

SOCKET_TIMEOUT = 30.0
DEFAULT_API_KEY = "emulator-api-key"

_FAULT_KINDS = ("status", "drop", "latency", "raw")


def _build_router() -> Router:
    from . import _resources, _videos

    router = Router()
    router.extend(_videos.router)
    router.extend(_resources.router)
    return router


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

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
    def _finalize(self, status: int | None) -> None:
        """Complete the log record before the client can see the answer."""
        rec, reader = getattr(self, "_rec", None), getattr(self, "_reader", None)
        if rec is None:
            return
        with self.server.emulator._state.lock:
            if reader is not None:
                rec.body = reader.captured
                rec.body_size = reader.consumed
            rec.status = status

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None) -> None:
        self._finalize(status)
        self.send_response(status)
        if content_type and status not in (204, 304):
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        if body and status not in (204, 304) and self.command != "HEAD":
            # one write for headers + body (avoids Nagle/delayed-ACK stalls)
            self._headers_buffer.append(b"\r\n" + body)  # type: ignore[attr-defined]
            self.flush_headers()
        else:
            self.end_headers()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        if obj is None:
            self._send(status, b"", "application/json" if status != 204 else None, headers)
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
        self._rec, self._reader = rec, None

        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        length: int | None = None
        if not chunked:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                rec.status = 400
                self._send_json(400, problem(400, "request-invalid-header", "Invalid Content-Length.").problem)
                return
        reader = BodyReader(self.rfile, length, chunked)
        self._reader = reader
        try:
            status = self._handle(state, emu, rec, path, query, reader)
        except (TimeoutError, BodyError, OSError):
            self.close_connection = True
            status = None
        self._finalize(status)
        self._rec = self._reader = None

    def _handle(
        self, state: State, emu: Emulator, rec: RecordedRequest, path: str, query: list[Any], reader: BodyReader
    ) -> int | None:
        fault = state.take_fault(self.command, path)
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
                self._send(fault.status, fault.body or b"", fault.content_type, fault.headers)
                return fault.status
            else:  # status
                reader.drain()
                headers = dict(fault.headers)
                if fault.retry_after is not None:
                    ra = fault.retry_after
                    headers["X-RateLimit-Retry-After"] = str(int(ra) if float(ra).is_integer() else ra)
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
    :attr:`host` and authenticate with :attr:`api_key`.
    """

    def __init__(self, port: int = 0, api_key: str | None = None, token_lifetime: float = 3600, sink: bool = False):
        self._port = port
        self._state = State(api_key or DEFAULT_API_KEY, token_lifetime, sink)
        self._router = _build_router()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.host = ""

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

    def expire_tokens(self) -> None:
        """Invalidate every access token issued so far (refresh tokens stay valid)."""
        self._state.expire_tokens()

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
        """Queue a fault for the next matching request(s); see the package docs for kinds."""
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
        return self._state.snapshot_log()

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.log = []

    def source_sha256(self, video_id: str) -> str | None:
        return self._state.source_sha256(video_id)

    def source_bytes(self, video_id: str) -> bytes | None:
        """The reassembled uploaded source (None if incomplete or in sink mode)."""
        with self._state.lock:
            video = self._state.videos.get(video_id) or self._state.discarded.get(video_id)
            return None if video is None else video.upload.source_bytes()

    def reset(self) -> None:
        """Empty every store, queued fault and the request log."""
        self._state.reset()
