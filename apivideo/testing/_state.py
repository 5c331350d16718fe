"""In-memory state of the emulator: stores, tokens, faults and the request log."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from ._uploads import SourceUpload

DEFAULT_LOG_LIMIT = 10_000  # requests kept in the log (the oldest are dropped first)
DEFAULT_LOG_BODY_LIMIT = 64 * 1024  # bytes kept of each request and response body


@dataclass
class RecordedRequest:
    """One request as the emulator received it."""

    method: str
    path: str  # path without the query string, as sent (undecoded)
    query: list[tuple[str, str]]  # percent-decoded (key, value) pairs
    raw_path: str  # exactly as on the request line
    headers: Any  # case-insensitive mapping (http.client.HTTPMessage)
    body: bytes = b""  # the first ``log_body_limit`` bytes of the request body
    body_size: int = 0
    status: int | None = None  # None when the connection was dropped
    injected: str | None = None  # kind of fault applied, if any
    response_headers: dict[str, str] = field(default_factory=dict)  # as sent, Content-Type and rate limits included
    response_body: bytes = b""  # the first ``log_body_limit`` bytes of the answer


@dataclass
class Fault:
    kind: str
    method: str | None = None
    path: str | None = None
    path_regex: str | None = None
    skip: int = 0
    count: int = 1
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    body: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    _regex: Any = None

    def __post_init__(self) -> None:
        if self.path_regex is not None:
            self._regex = re.compile(self.path_regex)
        elif self.path is not None:
            pieces = re.split(r"(\{[^}/]*\})", self.path)
            pattern = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in pieces)
            self._regex = re.compile(pattern)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self._regex is None:
            return True
        if self.path_regex is not None:
            return self._regex.search(path) is not None
        return self._regex.match(path) is not None


class Video:
    """A video record: public fields in ``data`` plus side stores."""

    def __init__(self, data: dict[str, Any], seq: int):
        self.data = data
        self.seq = seq
        self.upload = SourceUpload()
        self.thumbnail: bytes | None = None
        self.captions: dict[str, dict[str, Any]] = {}
        self.chapters: dict[str, dict[str, Any]] = {}

    @property
    def id(self) -> str:
        return str(self.data["videoId"])


class State:
    """All mutable emulator state; every access happens under ``self.lock``."""

    def __init__(self, api_key: str, token_lifetime: float, sink: bool):
        self.lock = threading.RLock()
        self.api_key = api_key
        self.token_lifetime = token_lifetime
        self.sink = sink
        self.faults: list[Fault] = []
        self.log_body_limit = DEFAULT_LOG_BODY_LIMIT
        self.log: deque[RecordedRequest] = deque(maxlen=DEFAULT_LOG_LIMIT)
        self.encoding_time = 0.0  # seconds from a source's last byte to every quality encoded
        self.analytics_seed = 0
        self._clear_stores()

    def _clear_stores(self) -> None:
        self.seq = 0
        self.access_tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.refresh_tokens: dict[str, bool] = {}
        self.videos: dict[str, Video] = {}
        self.discarded: dict[str, Video] = {}
        self.upload_tokens: dict[str, dict[str, Any]] = {}
        self.live_streams: dict[str, dict[str, Any]] = {}
        self.players: dict[str, dict[str, Any]] = {}
        self.watermarks: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.summaries: dict[str, dict[str, Any]] = {}
        self.fail_next_encodings = 0  # uploads still to complete whose encoding will fail

    def reset(self) -> None:
        with self.lock:
            self._clear_stores()
            self.faults = []
            self.log.clear()

    def set_log_limit(self, limit: int) -> None:
        with self.lock:
            self.log = deque(self.log, maxlen=limit)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    # -- auth ---------------------------------------------------------------------------
    def access_valid(self, token: str) -> bool:
        with self.lock:
            expiry = self.access_tokens.get(token)
            if expiry is None:
                return False
            if time.monotonic() >= expiry:
                del self.access_tokens[token]
                return False
            return True

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    # -- faults ---------------------------------------------------------------------------
    def take_fault(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """The next queued fault of one of ``kinds`` that matches the request (counted as applied), if any."""
        with self.lock:
            for fault in list(self.faults):
                if fault.kind not in kinds or not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def give_back_fault(self, fault: Fault) -> None:
        """Undo :meth:`take_fault`: the fault applies to the next matching request again."""
        with self.lock:
            if fault in self.faults:
                fault.count += 1
            else:
                fault.count = 1
                self.faults.insert(0, fault)

    # -- log ------------------------------------------------------------------------------
    def record(self, rec: RecordedRequest) -> None:
        with self.lock:
            self.log.append(rec)

    def snapshot_log(self) -> list[RecordedRequest]:
        with self.lock:
            return [replace(r, response_headers=dict(r.response_headers)) for r in self.log]

    # -- uploads (public helper) --------------------------------------------------------
    def source_sha256(self, video_id: str) -> str | None:
        with self.lock:
            video = self.videos.get(video_id) or self.discarded.get(video_id)
            if video is None or not video.upload.complete:
                return None
            return video.upload.sha256
