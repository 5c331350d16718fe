"""Video source uploads: whole files, byte-range chunks and progressive parts."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ._common import ApiError, problem
from ._multipart import BytesTarget, HashTarget

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

    def _clear(self) -> None:
        self.mode: str | None = None  # "whole" | "bytes" | "part"
        self.total: int | None = None  # bytes mode: TOTAL
        self.ranges: dict[int, tuple[int, Any]] = {}  # FROM -> (TO, data or None)
        self.parts: dict[int, tuple[int, Any]] = {}  # N -> (size, data or None)
        self.parts_total: int | None = None
        self.complete = False
        self.sha256: str | None = None
        self.filesize: int | None = None
        self.filename: str | None = None
        # sink mode: running hash of the in-order prefix
        self.sink_hasher = hashlib.sha256()
        self.sink_next = 0  # next byte offset (bytes mode) or next part number - 1

    @property
    def started(self) -> bool:
        return self.mode is not None

    # -- sink-mode helper ---------------------------------------------------------
    def make_target(self, cr: ContentRange | None, sink: bool) -> Any:
        if not sink:
            return BytesTarget()
        if cr is None:
            return HashTarget(in_order=True)
        position = cr.start if cr.kind == "bytes" else cr.start - 1
        if position == self.sink_next:
            return HashTarget(self.sink_hasher.copy(), in_order=True)
        return HashTarget(in_order=False)

    # -- accepting data ---------------------------------------------------------------
    def accept(self, cr: ContentRange | None, target: Any, filename: str | None, sink: bool) -> None:
        """Validate and store one upload request's file; raise :class:`ApiError` if refused."""
        size = target.size
        if self.complete:
            raise problem(400, "video-source-already-uploaded", "The source of the video is already uploaded.", "file")
        if size == 0:
            raise problem(400, "uploaded-file-no-file", "The uploaded file is empty.", "file")
        data = None if sink else target.data
        if cr is None:
            self.mode = "whole"
            self.ranges = {0: (size - 1, data)}
            self.parts = {}
            self.total = size
            self._advance_sink(target, 0, size)
            self.filename = filename
            self._finish()
            return
        if self.mode not in (None, cr.kind):
            # switching between byte ranges and parts starts the (incomplete) source over
            self._clear()
        if cr.kind == "bytes":
            self._accept_bytes(cr, size, data, target)
        else:
            self._accept_part(cr, size, data, target)
        self.filename = self.filename or filename

    def _accept_bytes(self, cr: ContentRange, size: int, data: Any, target: Any) -> None:
        if cr.end - cr.start + 1 != size:
            raise _range_error(
                f"The range {cr.start}-{cr.end} announces {cr.end - cr.start + 1} bytes but the file part holds {size}."
            )
        if self.total is not None and cr.total != self.total:
            raise _range_error(f"The total size {cr.total} differs from the {self.total} announced earlier.")
        assert cr.total is not None  # always set for byte ranges
        last = cr.end == cr.total - 1
        if not last and size < MIN_CHUNK:
            raise _range_error(f"Every chunk except the last must be at least {MIN_CHUNK} bytes.", name="file")
        self.mode = "bytes"
        self.total = cr.total
        # a chunk received again replaces the earlier one; drop ranges it fully covers
        for start in [s for s, (e, _) in self.ranges.items() if s >= cr.start and e <= cr.end]:
            del self.ranges[start]
        self.ranges[cr.start] = (cr.end, data)
        self._advance_sink(target, cr.start, cr.end + 1)
        covered = 0
        for start in sorted(self.ranges):
            if start > covered:
                return
            covered = max(covered, self.ranges[start][0] + 1)
        if self.total is not None and covered >= self.total:
            self._finish()

    def _accept_part(self, cr: ContentRange, size: int, data: Any, target: Any) -> None:
        n = cr.start
        if self.parts_total is not None:
            if n > self.parts_total or (cr.total is not None and cr.total != self.parts_total):
                raise _range_error(f"This upload has {self.parts_total} parts.")
            is_last = n == self.parts_total
        else:
            is_last = cr.total is not None and n == cr.total
            if cr.total is not None and any(p > cr.total for p in self.parts):
                raise _range_error("A part with a higher number was already received.")
        if not is_last and size < MIN_CHUNK:
            raise _range_error(f"Every part except the last must be at least {MIN_CHUNK} bytes.", name="file")
        self.mode = "part"
        if cr.total is not None:
            self.parts_total = cr.total
        self.parts[n] = (size, data)
        if target is not None and getattr(target, "in_order", False) and n - 1 == self.sink_next:
            self.sink_hasher = target.hasher
            self.sink_next = n
        if self.parts_total is not None and all(i in self.parts for i in range(1, self.parts_total + 1)):
            self.total = sum(s for s, _ in self.parts.values())
            self._finish()

    def _advance_sink(self, target: Any, start: int, end: int) -> None:
        if not isinstance(target, HashTarget):
            return
        in_order = target.in_order and start == self.sink_next
        if in_order or (start == 0 and end == self.total):
            self.sink_hasher = target.hasher
            self.sink_next = end

    def _finish(self) -> None:
        self.complete = True
        self.filesize = self.total
        if self.mode == "part":
            pieces = [self.parts[i][1] for i in range(1, (self.parts_total or 0) + 1)]
            sink_ok = self.sink_next == self.parts_total
        else:
            pieces = []
            pos = 0
            for start in sorted(self.ranges):
                end, data = self.ranges[start]
                if end < pos:
                    continue
                pieces.append(None if data is None else memoryview(data)[pos - start :])
                pos = end + 1
            sink_ok = self.sink_next == self.total
        if any(p is None for p in pieces):
            self.sha256 = self.sink_hasher.hexdigest() if sink_ok else None
            return
        h = hashlib.sha256()
        for p in pieces:
            h.update(p)
        self.sha256 = h.hexdigest()

    # -- reporting --------------------------------------------------------------------
    def source_bytes(self) -> bytes | None:
        """The reassembled source (non-sink mode, complete uploads only)."""
        if not self.complete:
            return None
        if self.mode == "part":
            pieces = [self.parts[i][1] for i in range(1, (self.parts_total or 0) + 1)]
        else:
            pieces, pos = [], 0
            for start in sorted(self.ranges):
                end, data = self.ranges[start]
                if end >= pos:
                    pieces.append(None if data is None else bytes(memoryview(data)[pos - start :]))
                    pos = end + 1
        if any(p is None for p in pieces):
            return None
        return b"".join(bytes(p) for p in pieces)

    def ingest(self) -> dict[str, Any]:
        received: list[dict[str, int]] = []
        if self.mode in ("bytes", "whole"):
            received = [{"from": s, "to": e, "total": self.total or 0} for s, (e, _) in sorted(self.ranges.items())]
        out: dict[str, Any] = {}
        if self.started:
            out["status"] = "uploaded" if self.complete else "uploading"
        out["filesize"] = self.filesize
        out["receivedBytes"] = received
        out["receivedParts"] = {"parts": sorted(self.parts), "total": self.parts_total}
        return out
