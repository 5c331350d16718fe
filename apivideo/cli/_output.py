"""What the command line writes: results on stdout (tables, JSON), messages and progress on stderr, and never
a secret anywhere."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, TextIO

# Values that must never reach any output (the API key, an upload token), filled in by main() before the
# arguments are parsed so that even argparse's own error messages are cleaned.
SECRETS: List[str] = []


def keep_secret(*values: Optional[str]) -> None:
    """Add values to hide from every output. Very short values are left alone: they would mangle the output."""
    found = {v.strip() for v in values if v and len(v.strip()) >= 4}
    SECRETS[:] = sorted(found.union(SECRETS), key=len, reverse=True)  # a secret containing another goes first


def redact(text: str) -> str:
    """Replace every known secret in ``text`` by ``***``."""
    for secret in SECRETS:
        text = text.replace(secret, "***")
    return text


def note(text: str) -> None:
    """A message for the person at the terminal (stderr), never part of the result."""
    print(redact(text), file=sys.stderr, flush=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in [list(headers), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # pragma: no cover - the loop always returns


def duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ("" if value is None else str(value))


def yes_no(value: Optional[bool]) -> str:
    return "" if value is None else ("yes" if value else "no")


class Progress:
    """Upload progress on a stream: a redrawn bar on a terminal, a plain line every ``interval`` seconds otherwise.

    Called as ``progress(bytes_done, total)`` (``total`` None for a stream) after each acknowledged chunk.
    """

    def __init__(
        self,
        stream: TextIO,
        tty: Optional[bool] = None,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last_line = float("-inf")
        self.done = 0
        self.drawn = False
        self.detail = ""  # said after the figures, e.g. "2 of 5 files done"
        self.text = ""  # the bar as last drawn

    def __call__(self, done: int, total: Optional[int]) -> None:
        now = self.clock()
        self.done = done
        finished = total is not None and done >= total
        if not self.tty and not finished and now - self.last_line < self.interval:
            return
        self.last_line = now
        text = self.text = self.render(done, total, now)
        if self.tty:
            self.stream.write(f"\r{text}\x1b[K")
            self.drawn = True
        else:
            self.stream.write(f"uploaded {text}\n")
        self.stream.flush()

    def render(self, done: int, total: Optional[int], now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        parts = []
        if total:
            share = min(done / total, 1.0)
            if self.tty:
                filled = int(24 * share)
                parts.append(f"[{'#' * filled}{'.' * (24 - filled)}]")
            parts.append(f"{100 * share:5.1f}%")
            parts.append(f"{human_bytes(done)} / {human_bytes(total)}")
        else:
            parts.append(human_bytes(done))
        parts.append(f"{human_bytes(rate)}/s")
        if total and rate > 0 and done < total:
            parts.append(f"ETA {duration((total - done) / rate)}")
        elif total and done >= total:
            parts.append(f"in {duration(elapsed)}")
        if self.detail:
            parts.append(self.detail)
        return "  ".join(parts)

    def clear(self) -> None:
        """Take the bar off the terminal's line, so that a message can be written in its place."""
        if self.tty and self.drawn:
            self.stream.write("\r\x1b[K")
            self.drawn = False

    def close(self) -> None:
        """End the bar's line on a terminal, so that what follows starts on a fresh line."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


class Board:
    """Progress of several files sent at once, from any thread: one bar for all their bytes (a plain line about
    once a second when ``stream`` is not a terminal), and a line per file as it ends, written above the bar."""

    def __init__(self, stream: TextIO, files: int, total: int, tty: Optional[bool] = None, **settings: Any) -> None:
        self.bar = Progress(stream, tty, **settings)
        self.stream, self.files, self.total = stream, files, total
        self.sent: Dict[Hashable, int] = {}
        self.done = 0  # bytes of every file together
        self.ended = 0  # files ended
        self.lock = threading.Lock()
        self.closed = False

    def listener(self, key: Hashable) -> Callable[[int, Optional[int]], None]:
        """The ``_progress_listener`` of one file."""

        def update(done: int, total: Optional[int]) -> None:
            with self.lock:
                if self.closed:
                    return
                self.done += done - self.sent.get(key, 0)
                self.sent[key] = done
                self._draw()

        return update

    def _draw(self) -> None:
        if self.files > 1:
            self.bar.detail = f"{self.ended} of {self.files} files done"
        self.bar(self.done, self.total)

    def line(self, text: str, ended: bool = True) -> None:
        """Write ``text`` on a line of its own; ``ended``: it tells that a file is done."""
        with self.lock:
            if self.closed:
                return
            self.ended += ended
            self.bar.clear()
            self.stream.write(redact(text) + "\n")
            self.stream.flush()
            if self.bar.tty and self.bar.text:  # the bar again, below the line, with the new count of files
                self._draw()

    def close(self) -> None:
        """No more output from here on (threads still at work write nothing)."""
        with self.lock:
            self.closed = True
            self.bar.close()
