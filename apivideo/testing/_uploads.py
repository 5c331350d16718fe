"""Video source uploads: whole files, byte-range chunks and progressive parts."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from ._common import ApiError, problem
from ._multipart import BytesTarget
from ._sink import HashTarget, SinkHasher, SpoolTarget

MIN_CHUNK = 5 * 1024 * 1024

_BYTES_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_PART_RE = re.compile(r"^\s*part\s+(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def _range_error(detail: str, name: str = "Content-Range") -> ApiError:
    return problem(400, "invalid-attribute", "The Content-Range header is invalid.", name, detail)


class ContentRange:
    """A parsed ``Content-Range`` header (``kind`` is "bytes" or "part")."""

    def __init__(self, kind: str, start: int, end: int, total: int | None):
        self.kind = kind
        self.start = start  # bytes: FROM; part: N
        self.end = end  # bytes: TO (inclusive); part: N
        self.total = total  # bytes: TOTAL; part: the number of parts when announced (N/M), else None

    @classmethod
    def parse(cls, header: str | None) -> ContentRange | None:
        if header is None or not header.strip():
            return None
        m = _BYTES_RE.match(header)
        if m:
            if m.group(3) == "*":
                raise _range_error("The total size must be known: use bytes FROM-TO/TOTAL.")
            start, end, total = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if start > end or end >= total:
                raise _range_error("Expected FROM <= TO < TOTAL.")
            return cls("bytes", start, end, total)
        m = _PART_RE.match(header)
        if m:
            n = int(m.group(1))
            if n < 1:
                raise _range_error("Part numbers start at 1.")
            if m.group(2) == "*":
                return cls("part", n, n, None)
            total = int(m.group(2))
            if n > total:
                raise _range_error(f"Part {n} is beyond the announced {total} parts.")
            return cls("part", n, n, total)  # part N/M with N < M: a part of an upload whose size is known
        raise _range_error("Expected 'bytes FROM-TO/TOTAL' or 'part N/*' or 'part N/N'.")


class SourceUpload:
    """What has been received of one video's source."""

    def __init__(self) -> None:
        self._clear()
        self.completed_at: float | None = None  # monotonic time the last byte arrived
        self.encoding_time = 0.0  # seconds its encoding takes, fixed when the last byte arrives
        self.encoding_fails = False

    def _clear(self) -> None:
        self.mode: str | None = None  # "whole" | "bytes" | "part"
        self.total: int | None = None  # bytes: TOTAL of the Content-Range; whole: the size; part: once complete
        self.ranges: dict[int, tuple[int, Any]] = {}  # FROM -> (TO, data or None)
        self.parts: dict[int, tuple[int, Any]] = {}  # N -> (size, data or None)
        self.parts_total: int | None = None
        self.complete = False
        self.filename: str | None = None
        self._sha256: str | None = None
        self._sink: SinkHasher | None = None

    @property
    def started(self) -> bool:
        return self.mode is not None

    # -- sink mode --------------------------------------------------------------------
    def make_target(self, cr: ContentRange | None, sink: bool) -> Any:
        """Where the file bytes of an upload request go while they stream in."""
        if not sink:
            return BytesTarget()
        kind = "whole" if cr is None else cr.kind
        key = 0 if cr is None else cr.start
        if self._sink is not None and self.mode == kind and kind != "whole":
            return self._sink.target(key)
        first = 1 if kind == "part" else 0
        return HashTarget(hashlib.sha256(), key) if key == first else SpoolTarget(key)

    # -- accepting data ---------------------------------------------------------------
    def accept(
        self, cr: ContentRange | None, target: Any, filename: str | None, sink: bool, lost: bool = False
    ) -> tuple[SinkHasher, Any, int] | None:
        """Validate one upload request's file and keep it (unless ``lost``); raise :class:`ApiError` if refused.

        In sink mode, returns the hashing left to do, ``(hasher, target, next key)``: the caller runs
        ``hasher.add(target, next_key)`` once it has released the emulator's lock.
        """
        try:
            work = self._accept(cr, target, filename, sink, lost)
        except BaseException:
            release_target(target)
            raise
        if work is None:
            release_target(target)
        return work

    def _accept(
        self, cr: ContentRange | None, target: Any, filename: str | None, sink: bool, lost: bool
    ) -> tuple[SinkHasher, Any, int] | None:
        size = target.size
        if self.complete:
            raise problem(400, "video-source-already-uploaded", "The source of the video is already uploaded.", "file")
        if size == 0:
            raise problem(400, "uploaded-file-no-file", "The uploaded file is empty.", "file")
        if lost:
            self._check(cr, size)
            return None
        data = None if sink else target.data
        if cr is None:
            self._clear()
            self.mode = "whole"
            self.ranges = {0: (size - 1, data)}
            self.total = size
            self.filename = filename
            work = self._sink_work(sink, 0, target, size)
            self._finish()
            return work
        if self.mode not in (None, cr.kind):
            # switching between byte ranges and parts starts the (incomplete) source over
            self._clear()
        self._check(cr, size)
        self.filename = self.filename or filename
        if cr.kind == "bytes":
            return self._accept_bytes(cr, data, sink, target)
        return self._accept_part(cr, size, data, sink, target)

    def _check(self, cr: ContentRange | None, size: int) -> None:
        """Refuse a chunk the API would refuse (the mode switch already applied)."""
        if cr is None:
            return
        if cr.kind == "bytes":
            if cr.end - cr.start + 1 != size:
                raise _range_error(
                    f"The range {cr.start}-{cr.end} announces {cr.end - cr.start + 1} bytes"
                    f" but the file part holds {size}."
                )
            if self.mode == "bytes" and self.total is not None and cr.total != self.total:
                raise _range_error(f"The total size {cr.total} differs from the {self.total} announced earlier.")
            assert cr.total is not None  # always set for byte ranges
            if cr.end != cr.total - 1 and size < MIN_CHUNK:
                raise _range_error(f"Every chunk except the last must be at least {MIN_CHUNK} bytes.", name="file")
            return
        n = cr.start
        known = self.parts_total if self.mode == "part" else None
        if known is not None:
            if n > known or (cr.total is not None and cr.total != known):
                raise _range_error(f"This upload has {known} parts.")
            is_last = n == known
        else:
            is_last = cr.total is not None and n == cr.total
            if self.mode == "part" and cr.total is not None and any(p > cr.total for p in self.parts):
                raise _range_error("A part with a higher number was already received.")
        if not is_last and size < MIN_CHUNK:
            raise _range_error(f"Every part except the last must be at least {MIN_CHUNK} bytes.", name="file")

    def _sink_work(self, sink: bool, first_key: int, target: Any, next_key: int) -> tuple[SinkHasher, Any, int] | None:
        if not sink:
            return None
        if self._sink is None:
            self._sink = SinkHasher(first_key)
        return self._sink, target, next_key

    def _accept_bytes(self, cr: ContentRange, data: Any, sink: bool, target: Any) -> tuple[SinkHasher, Any, int] | None:
        self.mode = "bytes"
        self.total = cr.total
        # a chunk received again replaces the earlier one; drop ranges it fully covers
        for start in [s for s, (e, _) in self.ranges.items() if s >= cr.start and e <= cr.end]:
            del self.ranges[start]
        self.ranges[cr.start] = (cr.end, data)
        work = self._sink_work(sink, 0, target, cr.end + 1)
        if self.total is not None and _covered(self.ranges) >= self.total:
            self._finish()
        return work

    def _accept_part(
        self, cr: ContentRange, size: int, data: Any, sink: bool, target: Any
    ) -> tuple[SinkHasher, Any, int] | None:
        n = cr.start
        self.mode = "part"
        if cr.total is not None:
            self.parts_total = cr.total
        self.parts[n] = (size, data)
        work = self._sink_work(sink, 1, target, n + 1)
        if self.parts_total is not None and all(i in self.parts for i in range(1, self.parts_total + 1)):
            self.total = sum(s for s, _ in self.parts.values())
            self._finish()
        return work

    def _finish(self) -> None:
        self.complete = True
        self.completed_at = time.monotonic()
        pieces = self._pieces()
        if pieces is None:
            return
        h = hashlib.sha256()
        for p in pieces:
            h.update(p)
        self._sha256 = h.hexdigest()

    def _pieces(self) -> list[Any] | None:
        """The stored bytes of a complete source in order (None in sink mode)."""
        if self.mode == "part":
            pieces = [self.parts[i][1] for i in range(1, (self.parts_total or 0) + 1)]
        else:
            pieces, pos = [], 0
            for start in sorted(self.ranges):
                end, data = self.ranges[start]
                if end >= pos:
                    pieces.append(None if data is None else memoryview(data)[pos - start :])
                    pos = end + 1
        return None if any(p is None for p in pieces) else pieces

    # -- reporting --------------------------------------------------------------------
    @property
    def sha256(self) -> str | None:
        if not self.complete:
            return None
        if self._sink is not None:
            end = (self.parts_total or 0) + 1 if self.mode == "part" else (self.total or 0)
            return self._sink.hexdigest(end)
        return self._sha256

    @property
    def filesize(self) -> int | None:
        if self.mode == "part" and not self.complete:
            return None
        return self.total

    def source_bytes(self) -> bytes | None:
        """The reassembled source (non-sink mode, complete uploads only)."""
        pieces = self._pieces() if self.complete else None
        return None if pieces is None else b"".join(bytes(p) for p in pieces)

    def received_bytes(self) -> list[dict[str, int]]:
        """The ranges received, one per chunk, ``to`` inclusive (parts: once the total size is known)."""
        if self.mode == "part":
            if not self.complete or self.total is None:
                return []
            out, pos = [], 0
            for i in range(1, (self.parts_total or 0) + 1):
                size = self.parts[i][0]
                out.append({"from": pos, "to": pos + size - 1, "total": self.total})
                pos += size
            return out
        total = self.total or 0
        return [{"from": s, "to": e, "total": total} for s, (e, _) in sorted(self.ranges.items())]

    def ingest(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.started:
            out["status"] = "uploaded" if self.complete else "uploading"
        out["filesize"] = self.filesize
        out["receivedBytes"] = self.received_bytes()
        if self.mode == "part":
            out["receivedParts"] = {"parts": sorted(self.parts), "total": self.parts_total}
        return out


def _covered(ranges: dict[int, tuple[int, Any]]) -> int:
    """How many bytes from offset 0 are received without a gap."""
    covered = 0
    for start in sorted(ranges):
        if start > covered:
            break
        covered = max(covered, ranges[start][0] + 1)
    return covered


def release_target(target: Any) -> None:
    """Give back what a sink-mode target set aside (nothing for the others)."""
    release = getattr(target, "release", None)
    if release is not None:
        release()
