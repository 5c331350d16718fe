"""A tiny raw-socket HTTP server on 127.0.0.1 that answers badly on purpose (tests only, standard library only).

Each connection reads one request (headers and a Content-Length body), then plays a *script*: a callable that
receives a ``send(bytes)`` function and a ``stopped`` event and writes whatever bytes it likes, as slowly as it
likes. Every loop in a script must be bounded and should check ``stopped`` so that :meth:`GarbageServer.stop`
ends it at once; stop also shuts every open connection down.

    with GarbageServer(drip(b'{"a": 1}', interval=0.2)) as server:
        ... Configuration(host=server.host) ...
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from typing import Callable, List, Optional

Send = Callable[[bytes], None]
Script = Callable[[Send, threading.Event], None]

MAX_REQUEST_HEAD = 64 * 1024
MAX_REQUEST_BODY = 16 * 1024 * 1024


class GarbageServer:
    """Serve ``script`` to every connection until :meth:`stop` (bounded: at most ``max_connections``)."""

    def __init__(
        self, script: Script, max_connections: int = 50, io_timeout: float = 10.0, *,
        tls: Optional[ssl.SSLContext] = None, read_body: bool = True,
    ) -> None:  # fmt: skip
        """``tls``: serve https with this server context. ``read_body=False``: read the request head only, and
        never the body (a server that has stopped reading)."""
        self.script = script
        self.tls = tls
        self.read_body = read_body
        self.max_connections = max_connections
        self.io_timeout = io_timeout
        self.stopped = threading.Event()
        self.requests: List[bytes] = []  # request heads received, in order
        self._lock = threading.Lock()
        self._conns: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.host = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept_loop, name="garbage-server", daemon=True)

    def start(self) -> GarbageServer:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(5)
        for thread in list(self._threads):
            thread.join(5)
        self._sock.close()

    def __enter__(self) -> GarbageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        accepted = 0
        while not self.stopped.is_set() and accepted < self.max_connections:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            accepted += 1
            conn.settimeout(self.io_timeout)
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), name="garbage-conn", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                tls_conn = self.tls.wrap_socket(conn, server_side=True)
                with self._lock:  # stop() shuts the TLS socket down from now on
                    self._conns[self._conns.index(conn)] = tls_conn
                conn = tls_conn
            head = _read_request(conn, self.read_body)
            if head is None:
                return
            with self._lock:
                self.requests.append(head)

            def send(data: bytes) -> None:
                if self.stopped.is_set():
                    raise ConnectionAbortedError("server stopped")
                conn.sendall(data)

            self.script(send, self.stopped)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)


def _read_request(conn: socket.socket, read_body: bool = True) -> Optional[bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_REQUEST_HEAD:
            return None
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    if not read_body:
        return head
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = min(int(value.strip() or 0), MAX_REQUEST_BODY)
    left = length - len(rest)
    while left > 0:
        data = conn.recv(min(left, 65536))
        if not data:
            break
        left -= len(data)
    return head


# -- scripts ---------------------------------------------------------------------------------------


def response_head(status: int, headers: dict) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def drip(body: bytes, interval: float, status: int = 200, in_headers: bool = False) -> Script:
    """Send a response one byte every ``interval`` seconds (the head too when ``in_headers``)."""

    def script(send: Send, stopped: threading.Event) -> None:
        head = response_head(
            status, {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
        )
        if not in_headers:
            send(head)
        for i, byte in enumerate((head if in_headers else b"") + body):
            if stopped.wait(interval):
                return
            send(bytes([byte]))
            if i > 10_000:  # bounded whatever the body
                return

    return script


def huge(size: int, status: int = 500, chunked: bool = False, block: bytes = b"x" * 65536) -> Script:
    """A ``size``-byte body generated on the fly (never held in memory), framed by length or chunks."""

    def script(send: Send, stopped: threading.Event) -> None:
        headers = {"Content-Type": "text/html", "Connection": "close"}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Content-Length"] = str(size)
        send(response_head(status, headers))
        left = size
        while left > 0 and not stopped.is_set():
            piece = block[: min(len(block), left)]
            send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            left -= len(piece)
        if chunked:
            send(b"0\r\n\r\n")

    return script


def fixed(raw: bytes) -> Script:
    """Send ``raw`` (a whole response, possibly malformed) and close."""

    def script(send: Send, stopped: threading.Event) -> None:
        send(raw)

    return script


def silent(seconds: float) -> Script:
    """Accept the request and say nothing for ``seconds`` (or until stopped)."""

    def script(send: Send, stopped: threading.Event) -> None:
        stopped.wait(seconds)

    return script


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
