"""The upload journal: a small local record of unfinished uploads, so that a rerun after a crash, a ``kill -9`` or
a lost connection continues the same video instead of creating a second one.

One JSON file per file being uploaded, in ``$XDG_STATE_HOME/apivideo/uploads`` (else
``~/.local/state/apivideo/uploads``), holding the file's fingerprint (path, size, modification time and a
SHA-256 of its first and last MiB), the video id, the chunk size and the byte ranges the server acknowledged.
Writes are atomic (a temporary file renamed over the old one) and a lock file keeps two processes from uploading
the same file at once. When an upload completes, its entry keeps only the fingerprint and the video id (so a rerun
of the same command, killed after the last chunk, does not upload the file again). A file that changed since its
entry was written is never resumed onto, nor taken for, the old video.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from apivideo.exceptions import ApiValueError

log = logging.getLogger("apivideo")
MIB = 1024 * 1024
_FORMAT = 1


def default_directory() -> Path:
    """``$XDG_STATE_HOME/apivideo/uploads``, else ``~/.local/state/apivideo/uploads``."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "apivideo" / "uploads"


def fingerprint(path: str) -> Dict[str, Any]:
    """What identifies the content of a file cheaply: size, modification time, and a SHA-256 of its first and
    last MiB (so an edit that keeps the size and time is still seen at either end)."""
    stat = os.stat(path)
    sample = hashlib.sha256()
    with open(path, "rb") as f:
        sample.update(f.read(MIB))
        if stat.st_size > MIB:
            f.seek(max(MIB, stat.st_size - MIB))
            sample.update(f.read(MIB))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sample_sha256": sample.hexdigest()}


class UploadJournal:
    """The journal kept in ``directory`` (default: :func:`default_directory`)."""

    def __init__(self, directory: Union[str, os.PathLike[str], None] = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def open(self, host: str, path: str, chunk_size: int) -> JournalEntry:
        """The entry of ``path`` for ``host``, locked for this process: the one left by an unfinished upload of
        the same content, or a new one. Raises ApiValueError when another process is uploading the file."""
        path = os.path.abspath(path)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = self.directory / ".writable"
            probe.touch()
        except OSError as exc:
            raise ApiValueError(f"the upload journal folder {str(self.directory)!r} cannot be used: {exc}") from None
        name = hashlib.sha256(f"{host}\0{path}".encode()).hexdigest()[:32]
        entry = JournalEntry(self.directory / f"{name}.json", host, path, chunk_size)
        entry.lock()
        try:
            entry.load()
        except BaseException:
            entry.release()
            raise
        return entry

    def entries(self, unfinished: bool = True) -> List[Dict[str, Any]]:
        """The uploads recorded here: the unfinished ones, or all of them (completed ones have ``completed``)."""
        out = []
        for file in sorted(self.directory.glob("*.json")):
            try:
                entry = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(entry, dict) and not (unfinished and entry.get("completed")):
                out.append(entry)
        return out

    def __repr__(self) -> str:
        return f"UploadJournal({str(self.directory)!r})"


class JournalEntry:
    """One file's upload: ``video_id`` of an unfinished one (None before the video exists), its ``acknowledged``
    byte ranges (``[start, end)``), ``uploaded_video``: the video a completed upload of this same content went
    to, and ``replaced_video``: the video of an earlier upload of this path whose content has changed since (it
    is neither resumed nor taken for this file)."""

    def __init__(self, file: Path, host: str, path: str, chunk_size: int) -> None:
        self.file = file
        self.host, self.path, self.chunk_size = host, path, chunk_size
        self.video_id: Optional[str] = None
        self.acknowledged: List[Tuple[int, int]] = []
        self.replaced_video: Optional[str] = None
        self.uploaded_video: Optional[str] = None
        self.fingerprint: Dict[str, Any] = {}
        self._lock_fd: Optional[int] = None
        self.broken = False  # set when the journal could not be written: nothing more is written

    # -- locking ---------------------------------------------------------------------------------

    def lock(self) -> None:
        try:
            fd = os.open(self.file.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ApiValueError(f"the upload journal cannot be used: {exc}") from None
        try:
            import fcntl
        except ImportError:  # no advisory locks here (Windows): atomic writes still keep the journal whole
            self._lock_fd = fd
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ApiValueError(f"{self.path} is being uploaded by another process right now") from None
        self._lock_fd = fd

    def release(self) -> None:
        """Let other processes upload this file (the entry stays, for a later rerun)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock

    # -- reading and writing ---------------------------------------------------------------------

    def load(self) -> None:
        self.fingerprint = fingerprint(self.path)
        try:
            saved = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            log.warning("upload journal: ignoring an unreadable entry for %s", self.path)
            return
        if not isinstance(saved, dict) or saved.get("format") != _FORMAT:
            return
        previous = saved.get("video_id")
        same = all(saved.get(k) == v for k, v in self.fingerprint.items())
        if not same:
            self.replaced_video = previous if isinstance(previous, str) else None
            return
        if isinstance(previous, str) and previous and saved.get("completed"):
            self.uploaded_video = previous
            return
        if isinstance(previous, str) and previous:
            self.video_id = previous
        ranges = saved.get("acknowledged")
        if isinstance(ranges, list):
            self.acknowledged = [
                (r[0], r[1]) for r in ranges
                if isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r) and 0 <= r[0] < r[1]
            ]  # fmt: skip

    def save(self) -> None:
        """Write the entry atomically (a temporary file renamed over the old one)."""
        data = {"format": _FORMAT, "host": self.host, "path": self.path, **self.fingerprint,
                "video_id": self.video_id, "chunk_size": self.chunk_size,
                "acknowledged": [list(r) for r in self.acknowledged], "updated": time.time()}  # fmt: skip
        self._write(data)

    def _write(self, data: Dict[str, Any]) -> None:
        """Replace the entry file atomically. A journal that cannot be written (a full disk) is given up with a
        warning: the upload goes on, it just cannot be continued by a rerun."""
        if self.broken:
            return
        temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, self.file)
        except OSError as exc:
            self.broken = True
            log.warning("upload journal: cannot write %s (%s): this upload will not be resumable by a rerun",
                        self.file, exc.strerror or exc)  # fmt: skip

    def record_video(self, video_id: str) -> None:
        if video_id != self.video_id:
            self.video_id = video_id
            self.acknowledged = []
            self.save()

    def record(self, offset: int, length: int) -> None:
        """The server acknowledged ``length`` bytes from ``offset``."""
        self.acknowledged = _merge([*self.acknowledged, (offset, offset + length)])
        self.save()

    def holds(self, offset: int, length: int) -> bool:
        return any(start <= offset and offset + length <= end for start, end in self.acknowledged)

    def complete(self) -> None:
        """The upload is complete: the entry keeps only the fingerprint and the video, and the lock goes away."""
        data = {"format": _FORMAT, "host": self.host, "path": self.path, **self.fingerprint,
                "video_id": self.video_id, "completed": time.time()}  # fmt: skip
        self._write(data)
        self.uploaded_video, self.video_id, self.acknowledged = self.video_id, None, []
        self.file.with_suffix(".lock").unlink(missing_ok=True)
        self.release()

    def forget(self) -> None:
        """Drop the entry (its video no longer exists)."""
        self.file.unlink(missing_ok=True)
        self.release()

    def __repr__(self) -> str:
        return f"JournalEntry({self.path!r}, video_id={self.video_id!r})"


def _merge(ranges: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    merged: List[Tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
