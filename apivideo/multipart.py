"""Upload sources and streamed multipart/form-data bodies with an exact length.

A source is read in 1 MiB blocks straight into the socket. A plain OS file is read with positional reads, so
parallel chunks never move a shared position; any other file object (``gzip.open()``, ``bz2.open()``, a wrapped
or in-memory file) is read through its own ``seek()`` and ``read()``, because its ``fileno()``, when it has one,
points at different bytes (the compressed file underneath, say).
"""

from __future__ import annotations

import io
import os
import secrets
import threading
from typing import IO, Any, Iterator, List, Mapping, Optional, Tuple, Union

from apivideo.exceptions import ApiTypeError, ApiValueError

BLOCK = 1024 * 1024
_PLAIN_FILES = (io.BufferedReader, io.BufferedRandom)


class SourceError(ApiValueError):
    """The bytes to upload could not be read (a local failure, never retried as if the network had failed)."""


class SourceChangedError(SourceError):
    """The file has fewer bytes than when its upload started (it was truncated or replaced meanwhile)."""


class Source:
    """The bytes of one upload: an open binary file (read from its start, never closed here) or bytes."""

    def __init__(self, file: Union[IO[bytes], bytes, bytearray, memoryview], name: Optional[str] = None) -> None:
        self.file = file
        self.name = name or _basename(getattr(file, "name", None))
        self.in_memory = isinstance(file, (bytes, bytearray, memoryview))
        self.seekable = self.in_memory or _seekable(file)
        self.fd = _plain_fd(file) if self.seekable and not self.in_memory else None
        if self.fd is not None and _writable(file):
            file.flush()  # type: ignore[union-attr]  # written bytes still in Python's buffer go to disk first
        self.lock = threading.Lock()  # serialises seek+read on file objects shared by parallel chunks

    @classmethod
    def open(cls, file: Any, what: str) -> Tuple[Source, bool]:
        """(source, whether it was opened here): a path is opened (and must be closed by the caller), bytes and
        open binary files are used as given. Text streams are refused, naming the argument."""
        if isinstance(file, (str, os.PathLike)):
            path = os.fspath(file)
            if os.path.isdir(path):
                raise ApiValueError(f"{what}: {path!r} is a directory, not a file")
            try:
                return cls(open(path, "rb")), True
            except OSError as exc:
                raise ApiValueError(f"{what}: cannot open {path!r}: {exc.strerror}") from None
        if isinstance(file, (bytes, bytearray, memoryview)):
            return cls(file), False
        if not callable(getattr(file, "read", None)):
            raise ApiTypeError(f"{what}: expected an open binary file, bytes or a path, got {type(file).__name__}")
        if _is_text(file):
            raise ApiTypeError(
                f"{what}: {type(file).__name__} is a text stream; upload bytes: open the file in binary mode ('rb')"
                " or pass io.BytesIO / bytes"
            )
        return cls(file), False

    def size(self) -> int:
        """Bytes from the start of the source to its end (seekable sources only)."""
        if self.in_memory:
            return len(self.file)  # type: ignore[arg-type]
        if self.fd is not None:
            return os.fstat(self.fd).st_size
        with self.lock:
            file: Any = self.file
            end = int(file.seek(0, os.SEEK_END))
            file.seek(0)
            return end

    def blocks(self, offset: int, length: int) -> Iterator[bytes]:
        """``length`` bytes from ``offset``, in blocks of at most 1 MiB."""
        if self.in_memory:
            view = memoryview(self.file)[offset : offset + length]  # type: ignore[arg-type]
            for start in range(0, len(view), BLOCK):
                yield bytes(view[start : start + BLOCK])
            return
        position, left = offset, length
        while left > 0:
            try:
                if self.fd is not None:
                    block = os.pread(self.fd, min(BLOCK, left), position)
                else:
                    with self.lock:
                        file: Any = self.file
                        file.seek(position)
                        block = file.read(min(BLOCK, left))
            except OSError as exc:  # io.UnsupportedOperation included: a write-only file, say
                raise SourceError(f"reading the file failed at byte {position}: {_os_reason(exc)}") from None
            if not block:
                raise SourceChangedError(
                    f"the file ended at byte {position}, {left} bytes before the end it had when the upload started:"
                    " was it truncated or replaced during the upload?"
                )
            position += len(block)
            left -= len(block)
            yield block

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes from the current position of a stream (fewer only at its end)."""
        parts: List[bytes] = []
        left = size
        file: Any = self.file
        while left > 0:
            try:
                data = file.read(left)
                while data is None:  # a non-blocking stream with nothing yet: wait for data, never take it for the end
                    _wait_readable(file)
                    data = file.read(left)
            except OSError as exc:
                raise SourceError(f"reading the stream failed: {_os_reason(exc)}") from None
            if not data:
                break
            parts.append(bytes(data))
            left -= len(data)
        return b"".join(parts)

    def read_all(self) -> bytes:
        """The rest of a stream, in memory (small files only: thumbnails, captions, logos)."""
        parts: List[bytes] = []
        while True:
            data = self.read(BLOCK)
            if not data:
                return b"".join(parts)
            parts.append(data)


class MultipartBody:
    """A re-iterable multipart/form-data body: text fields, then ``length`` bytes of ``source`` from ``offset``.

    ``len()`` is exact, so the request carries a Content-Length and no chunked framing; iterating again reads the
    same bytes again, so a retried request resends exactly what it sent.
    """

    def __init__(
        self,
        source: Optional[Source],
        offset: int,
        length: int,
        fields: Optional[Mapping[str, Any]] = None,
        field_name: str = "file",
        transfer: Any = None,
        part: Any = None,
    ) -> None:
        self.source, self.offset, self.length = source, offset, length
        self.transfer = transfer  # an apivideo.transfer.Transfer watching this part, or None
        self.part = offset if part is None else part  # how the transfer tells this part from the others
        self.boundary = secrets.token_hex(16)
        head = "".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(k)}"\r\n\r\n{v}\r\n'
            for k, v in (fields or {}).items()
            if v is not None
        )
        if source is None:  # text fields only
            self.head, self.tail = _utf8(head), f"--{self.boundary}--\r\n".encode()
            return
        self.head = _utf8(
            f'{head}--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(field_name)}";'
            f' filename="{_quote(source.name)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @classmethod
    def for_file(cls, file: Any, field_name: str = "file", fields: Optional[Mapping[str, Any]] = None) -> MultipartBody:
        """A body holding a whole file: an open binary file (a stream is read into memory), or bytes."""
        source, _ = Source.open(file, f"argument '{field_name}'")
        if not source.seekable:
            source = Source(source.read_all(), source.name)
        return cls(source, 0, source.size(), fields, field_name)

    def __len__(self) -> int:
        return len(self.head) + self.length + len(self.tail)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": f"multipart/form-data; boundary={self.boundary}", "Content-Length": str(len(self))}

    def __iter__(self) -> Iterator[bytes]:
        transfer = self.transfer
        if self.source is None:
            yield self.head
            yield self.tail
            return
        if transfer is None:
            yield self.head
            yield from self.source.blocks(self.offset, self.length)
            yield self.tail
            return
        transfer.begin(self.part)
        yield self.head
        position = self.offset
        for block in self.source.blocks(self.offset, self.length):
            transfer.before_block(position, block)
            yield block  # resumed once the block is on the wire
            transfer.sent(self.part, len(block))
            position += len(block)
        yield self.tail
        transfer.ended(self.part)


def _os_reason(exc: OSError) -> str:
    return str(exc.strerror or exc or type(exc).__name__)


def _wait_readable(file: Any) -> None:
    import select

    try:
        select.select([file], [], [], 1.0)
    except (OSError, ValueError, TypeError):  # no descriptor to wait on: try again shortly
        import time

        time.sleep(0.01)


def _utf8(text: str) -> bytes:
    """UTF-8, with what cannot be encoded (a file name that is not UTF-8 on disk) as replacement characters."""
    return text.encode("utf-8", "replace")


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _basename(name: Any) -> str:
    return os.path.basename(name) if isinstance(name, str) and name else "file"


def _plain_fd(file: Any) -> Optional[int]:
    """The descriptor of a plain OS file opened for reading (its bytes are the file's own), else None."""
    if not hasattr(os, "pread"):
        return None
    if type(file) is io.FileIO or (type(file) in _PLAIN_FILES and type(getattr(file, "raw", None)) is io.FileIO):
        try:
            return int(file.fileno()) if file.readable() else None
        except (OSError, ValueError):
            return None
    return None


def _writable(file: Any) -> bool:
    try:
        return bool(file.writable())
    except (AttributeError, ValueError, OSError):
        return False


def _seekable(file: Any) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _is_text(file: Any) -> bool:
    if isinstance(file, io.TextIOBase):
        return True
    mode = getattr(file, "mode", None)
    if isinstance(mode, str) and mode and "b" not in mode:
        return True
    try:
        return isinstance(file.read(0), str)
    except Exception:
        return False
