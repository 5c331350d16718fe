"""Connections whose answer must arrive within the read timeout *in total*.

A socket timeout restarts with every byte received, so a server that drips its status line, headers or body one
byte at a time could hold a caller for hours. These connection classes read the answer through a reader that
shrinks the socket timeout to the time left, and fails once the whole answer took longer than the read timeout.
"""

from __future__ import annotations

import io
import socket
import time
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_URLLIB3_2 = not str(getattr(urllib3, "__version__", "2")).startswith("1.")


class _DeadlineReader(io.RawIOBase):
    """Raw reads from a socket file that stop at a fixed deadline (monotonic clock)."""

    def __init__(self, raw: Any, sock: Any, deadline: float) -> None:
        super().__init__()
        self._raw = raw  # the socket's own SocketIO: it keeps the socket open until this file is closed
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("the answer did not arrive within the read timeout")
        self._sock.settimeout(left)
        return int(self._raw.readinto(buffer) or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _AnswerSocket:
    """Stands in for the connection's socket while the answer is parsed: ``makefile`` gives a deadline reader."""

    def __init__(self, sock: Any, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        raw = self._sock.makefile("rb", buffering=0)
        return io.BufferedReader(_DeadlineReader(raw, self._sock, self._deadline))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _DeadlineMixin:
    sock: Any
    timeout: Any

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        sock = self.sock
        # The read timeout: urllib3 2 keeps it in ``timeout`` until it applies it; 1.26 sets it on the socket.
        budget = self.timeout if _URLLIB3_2 else (sock.gettimeout() if sock is not None else None)
        if sock is None or not isinstance(budget, (int, float)):
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        stand_in = self.sock = _AnswerSocket(sock, time.monotonic() + budget)
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            if self.sock is stand_in:  # unless http.client closed the connection meanwhile (Connection: close)
                self.sock = sock


class DeadlineHTTPConnection(_DeadlineMixin, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineMixin, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


POOL_CLASSES = {"http": DeadlineHTTPConnectionPool, "https": DeadlineHTTPSConnectionPool}
