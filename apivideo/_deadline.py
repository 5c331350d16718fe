"""Timeouts kept by a watchdog instead of by socket timeouts.

A socket with a timeout makes CPython poll before every send and every receive, and each of those system calls
lets go of the GIL: threads sharing a client then spend their time handing the GIL to one another. Here the socket
blocks once connected, like a socket without any timeout, and one :class:`Watchdog` per process keeps the deadlines.
When one passes, it shuts the socket down: the blocked send or receive returns at once, and the connection turns
that into the ``socket.timeout`` urllib3 reports as a timeout.

The deadlines are the ones a caller expects:

- connecting (and the TLS handshake): the connect timeout, as a socket timeout (this happens once per connection);
- sending: each piece of the request (the headers, each block of an upload) within the connect timeout, as
  urllib3 does; the time between pieces (a bandwidth cap pausing) does not count;
- the answer, status line to last byte, within the read timeout *in total*. A socket timeout restarts with every
  byte received, so a server dripping its answer a byte at a time could hold a caller for hours; here it cannot.

The watchdog's thread starts with the first request, and ends when a client is closed while no call is under way,
before a fork, and some seconds after the last call (the next request starts it again).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import time
from typing import Any, Optional, Set

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from apivideo._threads import start as start_deaf

_URLLIB3_2 = not str(getattr(urllib3, "__version__", "2")).startswith("1.")
_NEVER = float("inf")
IDLE_EXIT = 5.0  # seconds without any call under way before the watchdog thread ends
MIN_SLEEP = 0.05  # the watchdog looks at least this long apart, whatever the timeouts
MAX_WAIT = 3600.0  # and at most this long apart (a lock cannot wait for much longer than that anyway)


class _Exchange:
    """One request and its answer on one connection: the deadline of what is under way (``_NEVER`` between the
    pieces of a request), and the claim that whichever ends it first, the caller or the watchdog, takes."""

    __slots__ = ("deadline", "sock", "claim", "fired", "finished")

    def __init__(self, sock: Any) -> None:
        self.deadline = _NEVER
        self.sock = sock
        self.claim = [True]  # list.pop is atomic: exactly one side gets it
        self.fired = False  # the watchdog took the claim and shut the socket down (or is about to)
        self.finished = False  # the caller took the claim


class Watchdog:
    """Keeps the deadlines of every exchange of the process. Its thread runs only while calls are under way: it
    ends when a client is closed with no call under way, before a fork, and once idle (``IDLE_EXIT`` seconds after
    its first look that finds no call under way: at most the connect timeout plus ``IDLE_EXIT`` after the last).

    Starting, pausing and finishing an exchange takes no lock and makes no system call: the thread is woken only
    when a new deadline falls before the time it already means to look again (when it is idle, or for a timeout
    shorter than those it has seen lately).
    """

    def __init__(self) -> None:
        self._armed: Set[_Exchange] = set()  # the exchanges with a deadline
        self._cond = threading.Condition(threading.Lock())
        self._thread: Optional[threading.Thread] = None
        self._wake_at = _NEVER  # when the thread looks again; _NEVER while it looks or is idle
        self._longest_sleep = _NEVER  # the shortest span seen since the thread was last idle (at least MIN_SLEEP)
        self._closing = False

    def extend(self, exchange: _Exchange, span: Optional[float]) -> None:
        """``span`` seconds from now for what starts now (None: no limit)."""
        if span is None or not span < _NEVER:  # no limit (None, infinity, or not a number)
            self.pause(exchange)
            return
        deadline = exchange.deadline = time.monotonic() + span
        self._armed.add(exchange)
        if deadline < self._wake_at:
            self._wake(span)

    def pause(self, exchange: _Exchange) -> None:
        """Nothing of the exchange is under way for now (between two pieces of a request)."""
        exchange.deadline = _NEVER
        self._armed.discard(exchange)

    def finish(self, exchange: _Exchange) -> bool:
        """The exchange is over (its answer read, or its connection back in the pool). True when the watchdog
        ended it instead: its socket is, or is about to be, shut down, and the connection must not be used again."""
        if not exchange.finished:  # the answer's end and the pool both finish it: the second has nothing to take
            try:
                exchange.claim.pop()
                exchange.finished = True
            except IndexError:
                pass  # ended before, by the watchdog
        self._armed.discard(exchange)
        return not exchange.finished

    def close(self, wait: bool = False) -> None:
        """Let the thread end now if no exchange is under way (else once there is none). ``wait``: until it has,
        unless calls get under way meanwhile (other threads are working: the process is not idle anyway)."""
        with self._cond:
            self._closing = True
            thread = self._thread
            self._cond.notify()
        if not wait or thread is None or thread is threading.current_thread():
            return
        give_up = time.monotonic() + 1.0
        while thread.is_alive() and not self._armed and time.monotonic() < give_up:
            thread.join(0.01)

    def before_fork(self) -> None:
        self.close(wait=True)

    def after_fork_in_child(self) -> None:
        """The parent's thread and lock do not exist here (the lock may even have been held): start afresh."""
        self.__init__()  # type: ignore[misc]

    def _wake(self, span: float) -> None:
        new = None
        with self._cond:
            self._closing = False
            self._longest_sleep = max(MIN_SLEEP, min(self._longest_sleep, span))
            thread = self._thread
            if thread is None or (thread.ident is not None and not thread.is_alive()):  # (no ident: starting)
                new = self._thread = threading.Thread(target=self._run, name="apivideo-deadlines", daemon=True)
            self._cond.notify()
        if new is None:
            return
        # Started with the lock released: a signal held back while it starts is handled when the mask is restored,
        # and a handler that makes a call of its own must not find the lock taken by the code it interrupted.
        try:
            start_deaf(new)  # a Ctrl-C is for the application's threads
        except BaseException:
            with self._cond:
                if self._thread is new and new.ident is None:
                    self._thread = None  # it never ran: the next call starts one
            raise

    def _run(self) -> None:
        idle = False
        with self._cond:
            while True:
                self._wake_at = _NEVER  # a deadline set while this looks wakes it again
                now = time.monotonic()
                earliest = _NEVER
                for exchange in list(self._armed):
                    deadline = exchange.deadline
                    if deadline <= now:
                        self._fire(exchange)
                    elif deadline < earliest:
                        earliest = deadline
                if not self._armed:
                    # Idle: end once closed, or after a while without calls. A new call starts it again.
                    self._longest_sleep = _NEVER
                    if self._closing or idle:
                        self._thread = None
                        return
                    idle = not self._cond.wait(IDLE_EXIT)
                    continue
                idle = False
                self._wake_at = min(earliest, now + self._longest_sleep)
                self._cond.wait(min(self._wake_at - now, MAX_WAIT))  # a later deadline is looked at again

    def _fire(self, exchange: _Exchange) -> None:
        self._armed.discard(exchange)
        try:
            exchange.claim.pop()
        except IndexError:
            return  # it ended meanwhile
        exchange.fired = True
        _shut_down(exchange.sock)


def _shut_down(sock: Any) -> None:
    """Wake whatever call is blocked on ``sock``. The connection is never pooled again (see ``finish``), so however
    late this comes, it cannot hit another request."""
    while not isinstance(sock, socket.socket) and hasattr(sock, "socket"):
        sock = sock.socket  # urllib3's TLS-in-TLS transport wraps the real socket
    # The plain socket's shutdown, even on a TLS socket: it wakes the blocked call without touching the TLS state
    # another thread is using. It fails only on a socket already closed.
    with contextlib.suppress(OSError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


WATCHDOG = Watchdog()
if hasattr(os, "register_at_fork"):
    # A process forked with no other thread running is what prefork servers expect (Python 3.12+ warns otherwise).
    os.register_at_fork(before=WATCHDOG.before_fork, after_in_child=WATCHDOG.after_fork_in_child)


def _timed_out(what: str) -> socket.timeout:
    return socket.timeout(f"the {what} did not complete within the timeout")


class _AnswerReader(io.RawIOBase):
    """Raw reads of an answer: once the watchdog has fired, the end of the stream it caused is a timeout."""

    def __init__(self, raw: Any, exchange: _Exchange) -> None:
        self._raw = raw  # the socket's own SocketIO: it keeps the socket open until this file is closed
        self._exchange = exchange

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        exchange = self._exchange
        try:
            count = self._raw.readinto(buffer)
        except OSError:
            if exchange.fired:
                raise _timed_out("answer") from None
            raise
        if not count and exchange.fired:
            raise _timed_out("answer")
        return int(count or 0)

    def close(self) -> None:
        if not self.closed:
            WATCHDOG.finish(self._exchange)  # http.client closes the file once the answer is read
            self._raw.close()
        super().close()


class _AnswerSocket:
    """Stands in for the connection's socket while the answer is parsed: ``makefile`` gives the answer reader."""

    def __init__(self, sock: Any, exchange: _Exchange) -> None:
        self._sock = sock
        self._exchange = exchange
        # The two methods urllib3 looks up on every answer are found here, not through __getattr__ (reached only
        # after a failed lookup has built an AttributeError). urllib3's TLS-in-TLS transport has no shutdown.
        self.settimeout = sock.settimeout
        shutdown = getattr(sock, "shutdown", None)
        if shutdown is not None:
            self.shutdown = shutdown

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        raw = self._sock.makefile("rb", buffering=0)
        return io.BufferedReader(_AnswerReader(raw, self._exchange))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _WatchedMixin:
    sock: Any
    timeout: Any
    _exchange: Optional[_Exchange] = None
    _send_span: Optional[float] = None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        span = self.timeout  # urllib3 has just set the connect timeout here
        if self.sock is None:  # connect now, as http.client would on the first send: under the connect timeout
            self.connect()  # type: ignore[attr-defined]
        self._send_span = span if isinstance(span, (int, float)) else None
        self._exchange = _Exchange(self.sock)
        self.timeout = None  # urllib3 2 applies it to the socket next: the socket blocks from here on
        if not _URLLIB3_2:
            self.sock.settimeout(None)
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        exchange = self._exchange
        if exchange is None:
            return super().send(data)  # type: ignore[misc,no-any-return]
        WATCHDOG.extend(exchange, self._send_span)
        try:
            super().send(data)  # type: ignore[misc]
        except OSError:
            if exchange.fired:
                raise _timed_out("request") from None
            raise
        finally:
            WATCHDOG.pause(exchange)  # a pause between two pieces is not the network's

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        sock = self.sock
        exchange = self._exchange
        if sock is None or exchange is None or args or kwargs:  # urllib3 1.26 first tries buffering=True: refused
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        # The read timeout: urllib3 2 keeps it in ``timeout`` until it applies it; 1.26 has set it on the socket.
        budget = self.timeout if _URLLIB3_2 else sock.gettimeout()
        if _URLLIB3_2:
            self.timeout = None
        else:
            sock.settimeout(None)
        WATCHDOG.extend(exchange, budget if isinstance(budget, (int, float)) else None)
        stand_in = self.sock = _AnswerSocket(sock, exchange)
        try:
            return super().getresponse()  # type: ignore[misc]
        except BaseException:
            WATCHDOG.finish(exchange)  # no answer to read: urllib3 closes this connection
            raise
        finally:
            if self.sock is stand_in:  # unless http.client closed the connection meanwhile (Connection: close)
                self.sock = sock

    def finish_exchange(self) -> bool:
        """The connection goes back to the pool. True when the watchdog ended its last exchange."""
        exchange = self._exchange
        if exchange is None:
            return False
        self._exchange = None
        if exchange.finished:  # the end of its answer finished it (the usual case)
            return False
        return WATCHDOG.finish(exchange)


class WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedPoolMixin:
    def _put_conn(self, conn: Any) -> None:
        if conn is not None and conn.finish_exchange():
            conn.close()  # its socket is being shut down: the pool makes a new connection instead
        super()._put_conn(conn)  # type: ignore[misc]


class WatchedHTTPConnectionPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}
