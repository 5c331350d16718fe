"""Streamed multipart/form-data bodies read straight from files, with an exact length."""

from __future__ import annotations

import os
import secrets
import threading
from typing import IO, Any, Iterator, Mapping, Optional, Union

from apivideo.exceptions import ApiValueError

BLOCK = 1024 * 1024
Source = Union[IO[bytes], bytes, bytearray, memoryview]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """A re-iterable multipart/form-data body: text fields, then ``length`` bytes of ``source`` from ``offset``."""

    def __init__(
        self,
        source: Source,
        offset: int,
        length: int,
        filename: str,
        fields: Optional[Mapping[str, Any]] = None,
        field_name: str = "file",
    ) -> None:
        self.source, self.offset, self.length = source, offset, length
        self.boundary = secrets.token_hex(16)
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(k)}"\r\n\r\n{v}\r\n'.encode()
            for k, v in (fields or {}).items()
            if v is not None
        )
        self.head = (
            head
            + (
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(field_name)}";'
                f' filename="{_quote(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
        )
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @classmethod
    def for_file(cls, file: Any, field_name: str = "file", fields: Optional[Mapping[str, Any]] = None) -> MultipartBody:
        """A body holding a whole file (an open binary file, or bytes)."""
        if isinstance(file, (bytes, bytearray, memoryview)):
            return cls(file, 0, len(file), "file", fields, field_name)
        size = file_size(file)
        return cls(file, 0, size, filename_of(file), fields, field_name)

    def __len__(self) -> int:
        return len(self.head) + self.length + len(self.tail)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": f"multipart/form-data; boundary={self.boundary}", "Content-Length": str(len(self))}

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        src = self.source
        if isinstance(src, (bytes, bytearray, memoryview)):
            view = memoryview(src)[self.offset : self.offset + self.length]
            for start in range(0, len(view), BLOCK):
                yield bytes(view[start : start + BLOCK])
        else:
            yield from _read_range(src, self.offset, self.length)
        yield self.tail


_SEEK_LOCK = threading.Lock()


def _read_range(src: Any, offset: int, length: int) -> Iterator[bytes]:
    """Read ``length`` bytes at ``offset`` in 1 MiB blocks: positional reads when the file has a descriptor (so
    parallel chunks never move a shared position), otherwise seek and read under a lock."""
    try:
        fd = src.fileno() if hasattr(os, "pread") else None
    except (AttributeError, OSError, ValueError):
        fd = None
    position, left = offset, length
    while left > 0:
        if fd is not None:
            block = os.pread(fd, min(BLOCK, left), position)
        else:
            with _SEEK_LOCK:
                src.seek(position)
                block = src.read(min(BLOCK, left))
        if not block:
            raise ApiValueError(f"the file ended {left} bytes early: was it truncated during the upload?")
        position += len(block)
        left -= len(block)
        yield block


def filename_of(file: Any) -> str:
    name = getattr(file, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else "file"


def file_size(file: Any) -> int:
    """Bytes from the start of a seekable file to its end."""
    file.seek(0, os.SEEK_END)
    size = int(file.tell())
    file.seek(0)
    return size


def seekable(file: Any) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, ValueError, OSError):
        return False
