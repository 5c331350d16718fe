"""Request body reading (Content-Length or chunked) and a streaming multipart/form-data parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from ._common import ApiError, problem

BLOCK = 1024 * 1024
MAX_FIELD = 1024 * 1024  # non-file form fields
MAX_HEADER_BLOCK = 64 * 1024


class BodyError(Exception):
    """The client broke the framing of the request body (connection must be closed)."""


class BodyReader:
    """Reads a request body framed by Content-Length or chunked transfer encoding.

    Keeps a copy of the first ``capture`` bytes it read, for the request log.
    """

    def __init__(self, rfile: Any, length: int | None, chunked: bool, capture: int = 64 * 1024):
        self._rfile = rfile
        self._remaining = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._eof = not chunked and not length
        self.consumed = 0
        self._capture = bytearray()
        self._capture_limit = max(0, capture)
        self.length = length if not chunked else None

    # -- capture ------------------------------------------------------------
    def _record(self, data: bytes) -> None:
        self.consumed += len(data)
        room = self._capture_limit - len(self._capture)
        if room > 0:
            self._capture += data[:room]

    @property
    def captured(self) -> bytes:
        return bytes(self._capture)

    # -- reading --------------------------------------------------------------
    def _next_chunk(self) -> None:
        line = self._rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise BodyError("bad chunk size line")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BodyError("bad chunk size") from None
        if size == 0:
            while True:  # trailers
                trailer = self._rfile.readline(8192)
                if trailer in (b"\r\n", b"\n", b""):
                    break
            self._eof = True
        self._chunk_left = size

    def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes (all remaining when ``n < 0``); ``b""`` at the end."""
        if n < 0:
            out = bytearray()
            while True:
                part = self.read(BLOCK)
                if not part:
                    return bytes(out)
                out += part
        if self._eof or n == 0:
            return b""
        if self._chunked:
            if self._chunk_left == 0:
                self._next_chunk()
                if self._eof:
                    return b""
            data: bytes = self._rfile.read(min(n, self._chunk_left))
            if not data:
                raise BodyError("connection closed mid-body")
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self._rfile.readline(8)  # CRLF after the chunk data
        else:
            data = self._rfile.read(min(n, self._remaining))  # same type as above
            if not data:
                raise BodyError("connection closed mid-body")
            self._remaining -= len(data)
            if self._remaining == 0:
                self._eof = True
        self._record(data)
        return data

    def drain(self) -> None:
        while self.read(BLOCK):
            pass

    @property
    def at_eof(self) -> bool:
        return self._eof


# --- targets for file parts ------------------------------------------------------


class BytesTarget:
    """Keeps file bytes in memory."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, b: Any) -> None:
        self.data += b

    @property
    def size(self) -> int:
        return len(self.data)


class Part:
    def __init__(self, name: str, filename: str | None, content_type: str | None, target: Any):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.target = target

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    @property
    def text(self) -> str:
        return bytes(self.target.data).decode("utf-8", "replace")


class Form:
    def __init__(self) -> None:
        self.parts: list[Part] = []

    def fields(self) -> dict[str, str]:
        return {p.name: p.text for p in self.parts if not p.is_file}

    def files(self, name: str) -> list[Part]:
        return [p for p in self.parts if p.is_file and p.name == name]


_PARAM_RE = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type; k=v; k2="v2"`` into the main value and a dict of lower-cased params."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for key, val in _PARAM_RE.findall(";" + rest):
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        params[key.lower()] = val
    if "filename*" in params:
        enc = params["filename*"]
        if "''" in enc:
            charset, _, quoted = enc.partition("''")
            params["filename"] = unquote(quoted, encoding=charset or "utf-8", errors="replace")
    return main.strip().lower(), params


def _malformed(detail: str) -> ApiError:
    return problem(400, "request-invalid-body", "The request body is malformed.", "body", detail)


FileTargetFactory = Callable[[str, str, Form], Any]


def parse_multipart(reader: BodyReader, content_type: str, make_target: FileTargetFactory | None = None) -> Form:
    """Parse a multipart/form-data body while streaming it from ``reader``.

    File parts are written to the target ``make_target(name, filename, form_so_far)`` returns
    (a :class:`BytesTarget` by default); the data is never held twice in the parser.
    """
    kind, params = parse_header_params(content_type or "")
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise _malformed("Expected a multipart/form-data body with a boundary.")
    delim = b"--" + boundary.encode("latin-1")
    sep = b"\r\n" + delim
    form = Form()
    buf = bytearray()

    def fill() -> bool:
        data = reader.read(BLOCK)
        if not data:
            return False
        buf.extend(data)
        return True

    # Preamble: find the first delimiter (the body normally starts with it).
    while True:
        if buf.startswith(delim):
            del buf[: len(delim)]
            break
        idx = buf.find(sep)
        if idx >= 0:
            del buf[: idx + len(sep)]
            break
        if len(buf) > len(sep):
            del buf[: len(buf) - len(sep)]
        if not fill():
            raise _malformed("No multipart boundary found.")

    while True:
        while len(buf) < 2:
            if not fill():
                raise _malformed("Truncated multipart body.")
        if buf[:2] == b"--":
            break  # closing delimiter
        # headers block
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buf) > MAX_HEADER_BLOCK or not fill():
                raise _malformed("Truncated multipart part headers.")
        header_block = bytes(buf[:end]).decode("utf-8", "replace")
        del buf[: end + 4]
        headers: dict[str, str] = {}
        for line in header_block.split("\r\n"):
            if ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        _, disp = parse_header_params(headers.get("content-disposition", ""))
        name = disp.get("name", "")
        filename = disp.get("filename")
        if filename is not None:
            target = make_target(name, filename, form) if make_target else BytesTarget()
        else:
            target = BytesTarget()
        part = Part(name, filename, headers.get("content-type"), target)
        # data: stream until the next delimiter
        keep = len(sep) - 1
        while True:
            idx = buf.find(sep)
            if idx >= 0:
                if idx:
                    target.write(buf[:idx])
                del buf[: idx + len(sep)]
                break
            if len(buf) > keep:
                target.write(buf[: len(buf) - keep])
                del buf[: len(buf) - keep]
            if filename is None and target.size > MAX_FIELD:
                raise _malformed(f"Form field {name!r} is too large.")
            if not fill():
                raise _malformed("Truncated multipart body.")
        form.parts.append(part)
    reader.drain()  # epilogue
    return form
