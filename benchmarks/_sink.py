"""A minimal HTTP/1.1 server on 127.0.0.1 that discards request bodies: the upload measurements' lean target.

The emulator's sink mode still parses multipart bodies and hashes every byte (sha256) on one core, which caps it
near the speed of a hash; this server only reads bytes into a reused buffer, so an upload against it is bound by
the client. It answers just what an upload needs (token exchange, video creation, source chunks, and the status read
that checks every byte arrived, from the ``Content-Range`` of the chunks) with JSON in one write per response,
keeps connections alive, and counts the body bytes it received.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from typing import Any, Dict, List, Optional, Tuple

BUFFER = 1024 * 1024


def _video(video_id: str) -> Dict[str, Any]:
    return {
        "videoId": video_id, "title": "bench upload", "description": "", "public": True, "panoramic": False,
        "mp4Support": True, "tags": [], "metadata": [], "discarded": False, "language": None,
        "publishedAt": "2024-01-01T00:00:00+00:00", "updatedAt": "2024-01-01T00:00:00+00:00",
        "source": {"uri": f"/videos/{video_id}/source", "type": "upload"},
        "assets": {"player": f"https://embed.api.video/vod/{video_id}",
                   "hls": f"https://cdn.api.video/vod/{video_id}/hls/manifest.m3u8"},
    }  # fmt: skip


class SinkServer:
    """``with SinkServer() as sink:`` serves on ``sink.host`` until the block ends."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.host = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.body_bytes = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._next_id = 0
        self._ranges: Dict[str, List[Tuple[int, int, int]]] = {}  # video id -> (from, to, total) of its chunks
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="bench-sink", daemon=True)

    def __enter__(self) -> SinkServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)

    def reset_counters(self) -> None:
        with self._lock:
            self.body_bytes = self.requests = 0

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rfile = conn.makefile("rb", buffering=65536)
        view = memoryview(bytearray(BUFFER))
        try:
            while True:
                request = self._read_head(rfile)
                if request is None:
                    return
                method, path, length, content_range = request
                left = length
                while left > 0:
                    got = rfile.readinto(view[: min(left, BUFFER)])
                    if not got:
                        return
                    left -= got
                status, body = self._answer(method, path, content_range)
                with self._lock:
                    self.body_bytes += length
                    self.requests += 1
                conn.sendall(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    .encode() + body
                )  # fmt: skip
        except OSError:
            return
        finally:
            rfile.close()
            conn.close()

    @staticmethod
    def _read_head(rfile: Any) -> Optional[Tuple[str, str, int, str]]:
        line = rfile.readline(65537)
        if not line:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        length, content_range = 0, ""
        while True:
            header = rfile.readline(65537)
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "content-range":
                content_range = value.strip()
            elif name == "transfer-encoding":
                raise OSError("chunked request bodies are not supported by the sink")
        return method, path.split("?", 1)[0], length, content_range

    def _answer(self, method: str, path: str, content_range: str = "") -> Tuple[int, bytes]:
        if method == "POST" and path.startswith("/auth/"):
            token = {"access_token": "sink-token", "refresh_token": "sink-refresh", "token_type": "Bearer",
                     "expires_in": 3600}  # fmt: skip
            return 200, json.dumps(token).encode()
        if method == "POST" and path == "/videos":
            with self._lock:
                self._next_id += 1
                video_id = f"visink{self._next_id:018d}"
            return 201, json.dumps(_video(video_id)).encode()
        parts = path.split("/")
        if method == "POST" and len(parts) == 4 and parts[1] == "videos" and parts[3] == "source":
            unit, _, spec = content_range.partition(" ")
            if unit == "bytes" and "/" in spec:  # "bytes FROM-TO/TOTAL": remembered for the status read
                span, total = spec.split("/", 1)
                first, last = span.split("-", 1)
                with self._lock:
                    self._ranges.setdefault(parts[2], []).append((int(first), int(last), int(total)))
            return 201, json.dumps(_video(parts[2])).encode()
        if method == "GET" and len(parts) == 4 and parts[1] == "videos" and parts[3] == "status":
            with self._lock:
                ranges = sorted(self._ranges.get(parts[2], []))
            received = [{"from": a, "to": b, "total": t} for a, b, t in ranges]
            ingest = {"status": "uploaded", "filesize": ranges[-1][2] if ranges else None, "receivedBytes": received}
            return 200, json.dumps({"ingest": ingest, "encoding": {"playable": False, "qualities": []}}).encode()
        return 404, b'{"status": 404, "title": "not found"}'
