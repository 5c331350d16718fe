"""Uploads: a strategy on top of :meth:`ApiClient.send` that sends a file as one request, Content-Range chunks
(sequential or parallel, resumable, journaled, verified) or progressive parts.

Every request of an upload is read and decoded whatever the caller asked to get back (the video id is carried
from the first answer); the caller's return form applies to the last answer only. Whatever stops an upload part
way is raised as :class:`~apivideo.UploadError` with the video id and the bytes the server acknowledged.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from apivideo._threads import current_mask, set_mask, signals_held
from apivideo.exceptions import (
    ApiException,
    ApiValueError,
    ForbiddenException,
    NotFoundException,
    UnauthorizedException,
    UploadCancelled,
    UploadError,
    redact,
)
from apivideo.multipart import BLOCK, MultipartBody, Source, SourceError
from apivideo.options import CALL_OPTIONS, RETURN_FORM, as_requested
from apivideo.transfer import Cancelled, Transfer

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.endpoint import Operation
    from apivideo.journal import JournalEntry
    from apivideo.model.video import Video
    from apivideo.request import PreparedRequest

Answer = Tuple[Any, Any]
PART_OPTIONS = CALL_OPTIONS | {"cancel", "max_bandwidth"}  # what one part of a progressive session accepts
Lookups = Tuple[Callable[..., Any], ...]
STOPS = (ApiException, SourceError, Cancelled)  # what stops an upload part way (a mistake in the call is raised
# as is)


def send_file(
    client: ApiClient, op: Operation[Any], request: PreparedRequest, args: Mapping[str, Any],
    options: Mapping[str, Any], lookups: Optional[Lookups] = None,
) -> Any:  # fmt: skip
    """Run an upload operation: the whole file in one request (``op.upload == "file"``, or a file that fits in one
    chunk), Content-Range chunks, or progressive parts for a stream that cannot seek. ``lookups`` are the
    functions that read a video's upload status and the video (``get_status``, ``get``), for resuming."""
    source, opened = Source.open(args["file"], f"{op.name}() argument 'file'")
    try:
        form = op.form(args)
        if op.upload == "file":
            if not source.seekable:
                source = Source(source.read_all(), source.name)
            body = MultipartBody(source, 0, source.size(), form)
            if body.length == 0:
                raise ApiValueError(f"{op.name}() argument 'file': the file is empty")
            return as_requested(client.send(request.replace(body=body, headers=body.headers()), options), options)
        job = ChunkedUpload(client, op.name, request, source, form, options, args.get("video_id"), lookups)
        if not source.seekable:
            return job.stream()
        size = job.size = job.transfer.total = source.size()
        if size == 0:
            raise ApiValueError(f"{op.name}() argument 'file': the file is empty; nothing to upload")
        if size > client.configuration.chunk_size or options.get("resume") or options.get("journal"):
            return job.run()
        try:
            job.transfer.check()
            answer = client.send(job.request_for(0, size, whole=True), job.sending)  # one request: nothing partial
            job.transfer.acknowledged(0, size)
        except STOPS as exc:
            rescued = job.rescue(exc, 0)
            if rescued is None:
                if isinstance(exc, ApiException) and not job.transfer.failure:
                    raise  # one request, refused or lost: the API's own error, nothing partial to resume
                raise job.stopped(exc) from exc
            answer = rescued
        return as_requested(answer, options)
    finally:
        if opened:
            source.file.close()  # type: ignore[union-attr]


class ChunkedUpload:
    """One Content-Range upload: its plan, the video it goes to, and what the server acknowledged."""

    def __init__(
        self, client: ApiClient, name: str, request: PreparedRequest, source: Source, form: Dict[str, Any],
        options: Mapping[str, Any], video_id: Optional[str], lookups: Optional[Lookups],
    ) -> None:  # fmt: skip
        self.client, self.name, self.request, self.source, self.options = client, name, request, source, options
        self.form = dict(form)
        self.video_id: Optional[str] = video_id or form.get("videoId")
        self.lookups = lookups
        self.size: Optional[int] = None
        self.sending = {k: v for k, v in options.items() if k not in RETURN_FORM}  # every answer is read
        self.transfer = Transfer(
            None, options.get("_progress_listener"), options.get("cancel"), options.get("max_bandwidth"), client._sleep,
            options.get("digest"),
        )  # fmt: skip
        self.entry: Optional[JournalEntry] = None
        self.from_journal = False  # whether the video id came from the journal
        self.done = 0
        self.parts = 0
        self.lock = threading.Lock()

    # -- one request -----------------------------------------------------------------------------

    def request_for(self, offset: int, length: int, whole: bool = False) -> PreparedRequest:
        """The request carrying ``length`` bytes from ``offset``. A chunk replaces what it covers, so resending it
        is safe, except the first chunk of an upload-token upload: it creates the video."""
        body = MultipartBody(self.source, offset, length, self.form, transfer=self.transfer)
        headers = body.headers()
        if not whole:
            headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{self.size}"
        safe = self.request.auth or self.video_id is not None
        return self.request.replace(body=body, headers=headers, replay_safe=safe)

    def send(self, offset: int, length: int) -> Answer:
        self.transfer.check()
        answer = self.client.send(self.request_for(offset, length), self.sending)
        with self.lock:
            self.done += length
            self.parts += 1
            if self.video_id is None:  # an upload-token upload learns its video from the first answer
                self.video_id = getattr(answer[0], "video_id", None)
                if self.video_id:
                    self.form["videoId"] = self.video_id
                    if self.entry is not None:
                        self.entry.record_video(self.video_id)
            if self.entry is not None and not self.client.has_credentials:
                self.entry.record(offset, length)  # (a client that can read the status resumes from the server's)
        self.transfer.acknowledged(offset, length)
        return answer

    # -- the whole file --------------------------------------------------------------------------

    def run(self) -> Any:
        size = self.size
        assert size is not None
        chunk = self.client.configuration.chunk_size
        plan = [(offset, min(chunk, size - offset)) for offset in range(0, size, chunk)]
        self.entry = _open_journal(self.client, self.options.get("journal"), self.source, chunk, self.name)
        todo: List[Tuple[int, int]] = []
        if self.entry is not None and self.entry.uploaded_video and self.video_id is None:
            self.video_id = self.entry.uploaded_video  # this very content was uploaded by an earlier run
            self.entry.release()
            self.done = size
            return as_requested((self.finished(), _Done()), self.options)
        try:
            continuing = self.entry is not None and self.adopt_journal(self.entry)
            todo = self.missing(plan) if self.options.get("resume") or continuing else plan
            if not todo:
                return self.finished()
            *middle, last = todo
            if self.video_id is None and middle:  # the first answer names the video the others go to
                self.send(*middle.pop(0))
                if self.video_id is None:
                    raise ApiException(
                        None, "the answer to the first chunk names no video; the other chunks are not sent (they"
                        " would start other videos)", route=self.request.label,
                    )  # fmt: skip
            workers = min(self.client.configuration.upload_concurrency, len(middle))
            if workers > 1:
                self.send_parallel(middle, workers)
            else:
                for offset, length in middle:
                    self.send(offset, length)
            answer = self.send(*last)  # after every other chunk: it completes the video
            if len(plan) > 1 and self.options.get("verify", True) is not False:
                self.verify()  # (one request carrying the whole file needs no proof beyond its answer)
        except STOPS as exc:
            rescued = self.rescue(exc, last[0]) if todo else None
            if rescued is not None:
                answer = rescued
            else:
                if self.entry is not None:
                    if isinstance(exc, NotFoundException) and self.from_journal:
                        self.entry.forget()  # its video is gone: the next run starts a new one
                    else:
                        self.entry.release()
                if self.video_id is None and not isinstance(exc, Cancelled):
                    raise  # the request that creates the video failed: nothing to continue
                raise self.stopped(exc) from exc
        except BaseException:
            if self.entry is not None:
                self.entry.release()
            raise
        if self.entry is not None:
            self.entry.complete()
        return as_requested(answer, self.options)

    def adopt_journal(self, entry: JournalEntry) -> bool:
        """Continue the video an earlier, unfinished upload of this same file started (or record this one's);
        True when there is an earlier upload to continue."""
        import logging

        if entry.replaced_video:
            logging.getLogger("apivideo").warning(
                "%s changed since its upload to video %s started: uploading it from the start", entry.path,
                entry.replaced_video,
            )  # fmt: skip
        if self.video_id is None and entry.video_id:
            self.video_id = entry.video_id
            self.form["videoId"] = entry.video_id
            self.from_journal = True
            return True
        if self.video_id is not None and entry.video_id == self.video_id:
            return bool(entry.acknowledged)
        if self.video_id is not None:
            entry.record_video(self.video_id)
        return False

    def send_parallel(self, chunks: List[Tuple[int, int]], workers: int) -> None:
        """Send ``chunks`` on ``workers`` threads. At the first failure no further chunk is started; the chunks
        already on the wire finish (so what is acknowledged is exact), then the failure is raised."""
        pending = iter(chunks)
        take = threading.Lock()
        failures: List[BaseException] = []
        callers_mask = current_mask()

        def work(finished: threading.Event) -> None:
            try:
                set_mask(callers_mask)  # started with the signals held (below); the listener runs with the caller's
                while not failures:
                    with take:
                        item = next(pending, None)
                    if item is None:
                        return
                    try:
                        self.send(*item)
                    except BaseException as exc:
                        failures.append(exc)
            finally:
                finished.set()

        # The calling thread waits on events, and joins a thread only once its work is over: a join interrupted by
        # a Ctrl-C marks a thread that is still running as stopped (CPython's bpo-45274 handling), and a second
        # join would then return at once.
        done = [threading.Event() for _ in range(workers)]
        threads = [threading.Thread(target=work, args=(done[i],), name=f"apivideo-upload-{i}", daemon=True)
                   for i in range(workers)]  # fmt: skip
        try:
            with signals_held():  # a Ctrl-C waits until every thread has started: none runs unknown to the join
                for thread in threads:
                    thread.start()
            for finished in done:
                finished.wait()
            for thread in threads:
                thread.join()
        except BaseException as exc:  # Ctrl-C in the calling thread: start no part, stop those under way
            failures.append(exc)
            self.transfer.halt()
            for thread, finished in zip(threads, done):
                if thread.ident is not None:  # (none when starting it failed)
                    finished.wait()  # within one block (a second Ctrl-C quits at once)
                    thread.join()
            raise
        if failures:
            raise failures[0]

    def stream(self) -> Any:
        """A stream that cannot seek (a pipe): progressive parts of ``chunk_size`` bytes, one in memory at a time
        (plus one byte read ahead, to know which part is the last)."""
        if self.options.get("resume") or self.options.get("journal"):
            raise ApiValueError(f"{self.name}(): resume and journal need a seekable file or a path, not a stream")
        session = ProgressiveSession(self.client, self.request, self.form, self.name, self.video_id)
        session._job = self
        options = {k: v for k, v in self.options.items() if k in PART_OPTIONS}
        self.options = options  # the parts share this upload's transfer: their options are already in it
        chunk = self.client.configuration.chunk_size
        part = bytearray()
        _fill(self.source, part, chunk)
        if not part:
            raise ApiValueError(f"{self.name}() argument 'file': the stream is empty; nothing to upload")
        while True:
            ahead = self.source.read(1)
            if not ahead:
                return session.send_part(part, True, options)
            session.send_part(part, False, options)
            part = bytearray(ahead)
            _fill(self.source, part, chunk - 1)

    # -- what the server holds -------------------------------------------------------------------

    def server_ranges(self) -> Optional[Tuple[Any, List[Tuple[int, int]], set[int]]]:
        """(ingest, byte ranges held with ``to`` inclusive, totals expected), or None when this client cannot
        read the video's status (an upload-token-only client)."""
        if not self.video_id or not self.lookups or not self.client.has_credentials:
            return None
        try:
            ingest = getattr(self.lookups[0](self.video_id), "ingest", None)
        except (UnauthorizedException, ForbiddenException):
            return None
        held, totals = _received(ingest)
        return ingest, held, totals

    def missing(self, plan: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
        """The chunks of ``plan`` the server does not hold yet: from the video's upload status, or from the
        journal when the status cannot be read."""
        if not self.video_id:
            if self.options.get("resume"):
                raise ApiValueError(f"{self.name}(): resume needs the video id (video_id=...)")
            return plan
        status = self.server_ranges()
        if status is not None:
            ingest, held, totals = status
            if totals and totals != {self.size}:
                raise ApiValueError(
                    f"cannot resume the upload of {self.video_id}: the server expects {sorted(totals)[0]} bytes,"
                    f" this file has {self.size}"
                )
            if getattr(ingest, "status", None) in ("uploaded", "ingesting", "ingested"):
                todo: List[Tuple[int, int]] = []
            else:
                todo = [(o, n) for o, n in plan if not any(a <= o and o + n - 1 <= b for a, b in held)]
        elif self.entry is not None:
            todo = [(o, n) for o, n in plan if not self.entry.holds(o, n)]
        else:
            todo = plan
        self.done = sum(n for _, n in plan) - sum(n for _, n in todo)
        self.transfer.already_held(self.done)
        return todo

    def verify(self) -> None:
        """After the last chunk: the server must hold every byte of the file, or this raises an UploadError that
        names what is missing (``resume=True`` then sends it)."""
        status = self.server_ranges()
        if status is None:
            return
        ingest, held, _ = status
        size = int(self.size or 0)
        filesize = getattr(ingest, "filesize", None)
        gaps = _gaps(held, size)
        if (filesize is None or filesize == size) and not gaps:
            return
        what = f"the server reports a file of {filesize} bytes" if filesize not in (None, size) else "the server"
        missing = ", ".join(f"{a}-{b - 1}" for a, b in gaps[:5]) + (" ..." if len(gaps) > 5 else "")
        held_bytes = size - sum(b - a for a, b in gaps)
        detail = f" is missing bytes {missing}" if gaps else ""
        raise UploadError(
            f"upload of video {self.video_id} is incomplete: {what}{detail} of the {size} sent; call upload("
            f"'{self.video_id}', file, resume=True) to send what is missing",
            video_id=self.video_id, bytes_acknowledged=held_bytes, parts_acknowledged=self.parts,
        )  # fmt: skip

    def finished(self) -> Video:
        """The video, once the server holds the whole file (without a request for a client that cannot read it)."""
        self.transfer.acknowledged(None, self.size - self.transfer.acked if self.size else 0)
        if self.entry is not None and self.entry.video_id:
            self.entry.complete()
        assert self.video_id
        if self.lookups and self.client.has_credentials:
            return self.lookups[1](self.video_id)  # type: ignore[no-any-return]
        return self.request.response.from_wire({"videoId": self.video_id})  # type: ignore[no-any-return]

    def rescue(self, exc: BaseException, last_part: int) -> Optional[Answer]:
        """An answer when the error hides a complete upload: the server refuses a retried last chunk because it
        already holds the source, i.e. the answer to the first attempt was lost on the way back. Raises what the
        progress listener raised, as it is."""
        if self.transfer.failure is not None:
            if self.entry is not None:
                self.entry.release()
            raise self.transfer.failure
        title = (getattr(exc, "title", None) or "").lower()
        # a retry (the first attempt went out whole), or the continuation of a run the journal recorded, killed once
        # its last chunk had gone out: either way the source the server holds is this file's
        sent_before = last_part in self.transfer.resent or self.from_journal
        if getattr(exc, "status", None) == 400 and "already uploaded" in title and self.video_id and sent_before:
            self.transfer.acknowledged(last_part, 0)
            return self.finished(), _Done()
        return None

    def stopped(self, exc: BaseException) -> UploadError:
        """The error that says where the upload stopped, what the server holds and how to continue."""
        if isinstance(exc, UploadError):
            return exc
        vid = self.video_id
        of = f" of {self.size}" if self.size else ""
        transient = isinstance(exc, Cancelled) or (
            isinstance(exc, ApiException) and (exc.status is None or exc.status in (408, 429) or exc.status >= 500)
        )  # fmt: skip
        advice = ""
        if isinstance(exc, NotFoundException) and self.from_journal:
            advice = "; that video no longer exists: the journal forgot it, and the next run starts a new video"
        elif isinstance(exc, SourceError):
            advice = "; the file cannot be resumed as it is now: upload it again"
        elif self.size is None and vid and transient:  # a stream: its bytes are gone once read
            advice = f"; a stream cannot be read again: upload its source again (to video '{vid}' or a new one)"
        elif vid and transient and self.request.auth:
            advice = f"; call upload('{vid}', file, resume=True) to send only what is missing"
        elif vid and transient:
            advice = (
                f"; call upload_with_upload_token(token, file, video_id='{vid}') to send it again to the same video"
                f" (with an API key, upload('{vid}', file, resume=True) sends only what is missing)"
            )
        error: UploadError
        if isinstance(exc, Cancelled):
            what = f"upload of video {vid}" if vid else "upload (before any video was created)"
            message = f"{what} was cancelled after {self.done}{of} bytes were acknowledged{advice}"
            error = UploadCancelled(message, video_id=vid, bytes_acknowledged=self.done, parts_acknowledged=self.parts)
        else:
            message = f"upload of video {vid} stopped after {self.done}{of} bytes were acknowledged"
            error = UploadError.of(
                exc, f"{message}: {exc}{advice}", video_id=vid, bytes_acknowledged=self.done,
                parts_acknowledged=self.parts,
            )  # fmt: skip
        redact(error, self.client._held_secrets() + self.request.secrets)  # its text quotes answers (the video id)
        return error


class _Done:
    """Stands for the HTTP answer of an upload that needed no more requests (its return form still applies)."""

    status = 200
    headers: Dict[str, str] = {}
    data = b""

    def read(self, amt: Optional[int] = None) -> bytes:
        return b""


def _open_journal(client: ApiClient, journal: Any, source: Source, chunk: int, name: str) -> Optional[JournalEntry]:
    """The journal entry of this upload (``journal``: True, a directory, an UploadJournal or an entry)."""
    if journal is None or journal is False:
        return None
    from apivideo.journal import JournalEntry, UploadJournal

    if isinstance(journal, JournalEntry):
        return journal
    path = getattr(source.file, "name", None)
    if source.fd is None or not isinstance(path, str) or not os.path.isfile(path):
        raise ApiValueError(f"{name}(): the upload journal needs a file given by its path")
    book = journal if isinstance(journal, UploadJournal) else UploadJournal(None if journal is True else journal)
    return book.open(client.configuration.host, path, chunk)


def _received(ingest: Any) -> Tuple[List[Tuple[int, int]], set[int]]:
    """Byte ranges the server holds (``to`` inclusive) and the totals it expects; malformed ranges are ignored,
    so what they would have covered is sent again."""
    held: List[Tuple[int, int]] = []
    totals: set[int] = set()
    for r in getattr(ingest, "received_bytes", None) or ():
        start, end, total = (getattr(r, name, None) for name in ("_from", "to", "total"))
        if isinstance(start, int) and isinstance(end, int) and _is_count(start) and start <= end:
            held.append((start, end))
        if isinstance(total, int) and _is_count(total) and total > 0:
            totals.add(total)
    return held, totals


def _gaps(held: List[Tuple[int, int]], size: int) -> List[Tuple[int, int]]:
    """The ``[start, end)`` ranges of ``[0, size)`` that ``held`` (``to`` inclusive) does not cover."""
    gaps: List[Tuple[int, int]] = []
    position = 0
    for start, end in sorted(held):
        if start > position:
            gaps.append((position, min(start, size)))
        position = max(position, end + 1)
        if position >= size:
            break
    if position < size:
        gaps.append((position, size))
    return [g for g in gaps if g[0] < g[1]]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _fill(source: Source, buffer: bytearray, size: int) -> None:
    """Append up to ``size`` bytes of the stream to ``buffer``, 1 MiB at a time (no second copy of a chunk)."""
    left = size
    while left > 0:
        data = source.read(min(BLOCK, left))
        if not data:
            return
        buffer += data
        left -= len(data)


class ProgressiveSession:
    """Send a video in parts whose total is not known in advance; the last part completes the video.

    ``upload_part(part)`` sends ``Content-Range: part N/*``; ``upload_last_part(part)`` sends ``part N/N`` and
    returns the finished :class:`Video`. A part is an open binary file, a path, or bytes; every part but the last
    must be at least 5 MiB.
    """

    def __init__(
        self, client: ApiClient, request: PreparedRequest, form: Dict[str, Any], name: str = "upload",
        video_id: Optional[str] = None, defaults: Optional[Mapping[str, Any]] = None,
    ) -> None:  # fmt: skip
        self._job = ChunkedUpload(client, name, request, Source(b""), form, {}, video_id, None)
        self._closed = False
        self._defaults: Mapping[str, Any] = defaults or {}  # the options of the Api view that opened the session

    @property
    def video_id(self) -> Optional[str]:
        return self._job.video_id

    def upload_part(self, part: Any, **options: Any) -> Video:
        """Send the next part (not the last one). Returns the video as the server sees it so far."""
        return self.send_part(part, False, options)  # type: ignore[no-any-return]

    def upload_last_part(self, part: Any, **options: Any) -> Video:
        """Send the final part; the server then assembles the video. Returns the :class:`Video`."""
        return self.send_part(part, True, options)  # type: ignore[no-any-return]

    uploadPart = upload_part
    uploadLastPart = upload_last_part

    def send_part(self, part: Any, last: bool, options: Mapping[str, Any]) -> Any:
        job = self._job
        if self._defaults:
            options = {**self._defaults, **options}
        if options:
            from apivideo.validation import check_options

            check_options(f"{job.name} session part", options, PART_OPTIONS)
            if options.get("async_req"):
                rest = {k: v for k, v in options.items() if k != "async_req"}
                return job.client.submit(self.send_part, part, last, rest)
            if options is not job.options:  # this part's own listener, cancel event and bandwidth cap
                transfer = job.transfer
                transfer.listener = options.get("_progress_listener", transfer.listener)
                transfer.cancel = options.get("cancel", transfer.cancel)
                transfer.rate = options.get("max_bandwidth", transfer.rate)
        if self._closed:
            raise ApiValueError("this upload session is finished: its last part was already sent")
        source, opened = Source.open(part, "upload part")
        try:
            if not source.seekable:
                source = Source(source.read_all(), source.name)
            size = source.size()
            number = job.parts + 1
            if size == 0:
                raise ApiValueError(f"part {number} is empty")
            body = MultipartBody(source, 0, size, job.form, transfer=job.transfer, part=job.done)
            headers = body.headers()
            headers["Content-Range"] = f"part {number}/{number if last else '*'}"
            request = job.request.replace(
                body=body, headers=headers, replay_safe=job.request.auth or bool(job.video_id)
            )
            try:
                job.transfer.check()
                answer = job.client.send(request, {k: v for k, v in options.items() if k not in RETURN_FORM})
            except STOPS as exc:
                if not job.parts and not isinstance(exc, Cancelled):
                    raise  # nothing acknowledged yet: the session is as it was, send the part again
                how = f"; to resume, send part {number} again with upload_part() or upload_last_part() on this session"
                if isinstance(exc, Cancelled):
                    raise UploadCancelled(
                        f"upload of video {job.video_id} was cancelled after {job.done} bytes were acknowledged{how}",
                        video_id=job.video_id, bytes_acknowledged=job.done, parts_acknowledged=job.parts,
                    ) from None  # fmt: skip
                message = f"upload of video {job.video_id} stopped after {job.done} bytes were acknowledged"
                raise UploadError.of(
                    exc, f"{message}: {exc}{how}", video_id=job.video_id, bytes_acknowledged=job.done,
                    parts_acknowledged=job.parts,
                ) from exc  # fmt: skip
        finally:
            if opened:
                source.file.close()  # type: ignore[union-attr]
        with job.lock:
            job.parts += 1
            offset, job.done = job.done, job.done + size
            if job.video_id is None:
                job.video_id = getattr(answer[0], "video_id", None)
                if job.video_id:
                    job.form["videoId"] = job.video_id
        job.transfer.acknowledged(offset, size, job.done if last else None)
        self._closed = last
        return as_requested(answer, options)
