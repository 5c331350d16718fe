"""Uploads: streamed multipart bodies, Content-Range chunking, progressive sessions.

A chunk goes to the socket in 1 MiB blocks read straight from the file, with an exact Content-Length, so memory
stays flat whatever the chunk or file size. A retried chunk re-reads its bytes from the file.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from apivideo.exceptions import ApiException, ApiTypeError, ApiValueError, UploadError
from apivideo.multipart import MultipartBody, file_size, filename_of, seekable

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.endpoint import Request

Progress = Optional[Callable[[int, Optional[int]], None]]


def _whole(file: Any) -> Any:
    """A file usable as a whole body: seekable files and bytes as they are, a stream read into memory."""
    return file if isinstance(file, (bytes, bytearray, memoryview)) or seekable(file) else file.read()


def _open(file: Any, what: str) -> Tuple[Any, bool]:
    """(binary file, whether we opened it). Paths are opened here; open files are used as given."""
    if isinstance(file, (str, os.PathLike)):
        try:
            return open(file, "rb"), True
        except OSError as exc:
            raise ApiValueError(f"{what}: cannot open {os.fspath(file)!r}: {exc.strerror}") from None
    if isinstance(file, (bytes, bytearray, memoryview)):
        return file, False
    if not hasattr(file, "read"):
        raise ApiTypeError(f"{what}: expected an open binary file, bytes or a path, got {type(file).__name__}")
    if getattr(file, "mode", "b") and "b" not in getattr(file, "mode", "b"):
        raise ApiTypeError(f"{what}: the file must be opened in binary mode ('rb')")
    return file, False


def send(client: ApiClient, req: Request, options: Mapping[str, Any]) -> Any:
    """Run a multipart operation: one request (``upload="file"``) or Content-Range chunks (``"chunked"``)."""
    if options.get("async_req"):
        opts = {k: v for k, v in options.items() if k != "async_req"}
        from apivideo.api_client import _AsyncResult

        return _AsyncResult(client._pool().submit(send, client, req, opts))
    file, opened = _open(req.file, f"{req.op.name}() argument 'file'")
    try:
        if req.op.upload == "chunked":
            return _upload_chunks(client, req, file, options)
        body = MultipartBody.for_file(_whole(file), "file", req.form)
        if len(body) - len(body.head) - len(body.tail) == 0:
            raise ApiValueError(f"{req.op.name}() argument 'file': the file is empty")
        return _post(client, req, body, None, options)
    finally:
        if opened:
            file.close()


def _post(
    client: ApiClient, req: Request, body: MultipartBody, content_range: Optional[str], options: Mapping[str, Any],
    form: Optional[Mapping[str, Any]] = None,
) -> Any:  # fmt: skip
    """Send one multipart request. A chunk replaces what it covers, so resending it is safe, except the first
    chunk of an upload-token upload: that one creates the video, and is resent only if it never left."""
    from apivideo.wire import encode_query

    headers = body.headers()
    if content_range:
        headers["Content-Range"] = content_range
    op = req.op
    if op.upload == "chunked":
        retry_safe = op.auth or "videoId" in (form or {})
    else:
        retry_safe = bool(op.retry_safe)
    return client.call(
        op.method, op.route, req.path, encode_query(req.pairs), body, op.response, headers=headers, auth=op.auth,
        retry_safe=retry_safe, credentials=not op.auth, options=options,
    )  # fmt: skip


def _upload_chunks(client: ApiClient, req: Request, file: Any, options: Mapping[str, Any]) -> Any:
    name = f"{req.op.name}()"
    if not isinstance(file, (bytes, bytearray, memoryview)) and not seekable(file):
        if options.get("resume"):
            raise ApiValueError(f"{name}: resume needs a seekable file or a path, not a stream")
        return _upload_stream(client, req, file, options)
    size = len(file) if isinstance(file, (bytes, bytearray, memoryview)) else file_size(file)
    if size == 0:
        raise ApiValueError(f"{name} argument 'file': the file is empty; nothing to upload")
    chunk = client.configuration.chunk_size
    plan = [(offset, min(chunk, size - offset)) for offset in range(0, size, chunk)]
    job = _ChunkedUpload(client, req, file, size, options)
    if options.get("resume"):
        todo = job.missing(plan)
        if not todo:
            return job.finished_video()
    else:
        todo = plan
    if len(plan) == 1:
        return job.send(0, size, with_range=False)
    workers = min(client.configuration.upload_concurrency, len(todo) - 1)
    *middle, last = todo
    if job.token_upload and "videoId" not in job.form and middle:  # the first answer names the video
        job.send(*middle.pop(0))
    if workers > 1 and len(middle) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="apivideo-upload") as pool:
            for future in [pool.submit(job.send, offset, length) for offset, length in middle]:
                future.result()
    else:
        for offset, length in middle:
            job.send(offset, length)
    return job.send(*last)


class _ChunkedUpload:
    """The state of one Content-Range upload: what the server acknowledged, and the video it goes to."""

    def __init__(self, client: ApiClient, req: Request, file: Any, size: int, options: Mapping[str, Any]) -> None:
        self.client, self.req, self.file, self.size, self.options = client, req, file, size, options
        self.form = dict(req.form)
        self.token_upload = not req.op.auth
        self.filename = filename_of(file)
        self.progress: Progress = options.get("_progress_listener")
        self.done = 0
        self.lock = threading.Lock()

    @property
    def video_id(self) -> Optional[str]:
        return self.form.get("videoId") or _path_video_id(self.req)

    def send(self, offset: int, length: int, with_range: bool = True) -> Any:
        body = MultipartBody(self.file, offset, length, self.filename, self.form)
        content_range = f"bytes {offset}-{offset + length - 1}/{self.size}" if with_range else None
        try:
            result = _post(self.client, self.req, body, content_range, self.options, self.form)
        except ApiException as exc:
            raise _stopped(exc, self.video_id, self.done, self.size) from exc
        with self.lock:
            self.done += length
            _remember_video(self.req, self.form, result)
            if self.progress is not None:
                self.progress(self.done, self.size)
        return result

    def _status(self) -> Any:
        video_id = self.video_id
        if not video_id:
            raise ApiValueError(f"{self.req.op.name}(): resume needs the video id (video_id=...)")
        from apivideo.api.videos_api import VideosApi

        return VideosApi(self.client).get_status(video_id)  # a 404 here means there is nothing to resume

    def missing(self, plan: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
        """The chunks of ``plan`` the server does not hold yet, after reading the video's ingest status."""
        ingest = self._status().ingest
        received = [(r._from, r.to) for r in (getattr(ingest, "received_bytes", None) or []) if r is not None]
        totals = {r.total for r in (getattr(ingest, "received_bytes", None) or []) if r is not None and r.total}
        if totals and totals != {self.size}:
            raise ApiValueError(
                f"cannot resume the upload of {self.video_id}: the server expects {totals.pop()} bytes,"
                f" this file has {self.size}"
            )
        if getattr(ingest, "status", None) in ("uploaded", "ingesting", "ingested"):
            return []

        def held(offset: int, length: int) -> bool:
            return any(start <= offset and offset + length - 1 <= end for start, end in received if start is not None)

        todo = [(offset, length) for offset, length in plan if not held(offset, length)]
        self.done = sum(length for offset, length in plan if held(offset, length))
        return todo

    def finished_video(self) -> Any:
        from apivideo.api.videos_api import VideosApi

        if self.progress is not None:
            self.progress(self.size, self.size)
        return VideosApi(self.client).get(str(self.video_id))


def _upload_stream(client: ApiClient, req: Request, file: Any, options: Mapping[str, Any]) -> Any:
    """A non-seekable stream (a pipe): one chunk in memory at a time, sent as progressive parts."""
    session = ProgressiveSession(client, req)
    chunk = client.configuration.chunk_size
    progress: Progress = options.get("_progress_listener")
    block = _read_full(file, chunk)
    if not block:
        raise ApiValueError(f"{req.op.name}() argument 'file': the stream is empty; nothing to upload")
    while True:
        following = _read_full(file, chunk)
        if following:
            session.upload_part(block, _progress_listener=progress)
            block = following
        else:
            return session.upload_last_part(block, _progress_listener=progress)


def _read_full(file: Any, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        data = file.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def _remember_video(req: Request, form: Dict[str, Any], result: Any) -> None:
    """An upload-token upload learns its video from the first answer; later requests name it (one file, one
    video)."""
    if not req.op.auth and "videoId" not in form and getattr(result, "video_id", None):
        form["videoId"] = result.video_id


def _path_video_id(req: Request) -> Optional[str]:
    segments = req.path.split("/")
    return segments[2] if len(segments) > 2 and segments[1] == "videos" else None


def _stopped(
    exc: ApiException, video_id: Optional[str], done: int, total: Optional[int], how: Optional[str] = None
) -> ApiException:
    if done == 0:
        return exc
    of = f" of {total}" if total else ""
    if how is None and video_id:
        how = f"call upload('{video_id}', file, resume=True) to send only what is missing"
    advice = f"; {how}" if how else ""
    return UploadError(
        f"upload of video {video_id or '(unknown)'} stopped after {done}{of} bytes were acknowledged: {exc}{advice}",
        cause=exc, video_id=video_id, bytes_acknowledged=done,
    )  # fmt: skip


class ProgressiveSession:
    """Send a video in parts whose total is not known in advance; the last part completes the video.

    ``upload_part(part)`` sends ``Content-Range: part N/*``; ``upload_last_part(part)`` sends ``part N/N`` and
    returns the finished :class:`Video`. A part is an open binary file, a path, or bytes.
    """

    def __init__(self, client: ApiClient, req: Request) -> None:
        self._client = client
        self._req = req
        self._form = dict(req.form)
        self._part = 0
        self._sent = 0
        self._closed = False

    @property
    def video_id(self) -> Optional[str]:
        return self._form.get("videoId") or _path_video_id(self._req)

    def upload_part(self, part: Any, **options: Any) -> Any:
        """Send the next part (not the last one). Returns the video as the server sees it so far."""
        return self._send(part, False, options)

    def upload_last_part(self, part: Any, **options: Any) -> Any:
        """Send the final part; the server then assembles the video. Returns the :class:`Video`."""
        return self._send(part, True, options)

    uploadPart = upload_part
    uploadLastPart = upload_last_part

    def _send(self, part: Any, last: bool, options: Mapping[str, Any]) -> Any:
        if self._closed:
            raise ApiValueError("this upload session is finished: its last part was already sent")
        file, opened = _open(part, "upload part")
        try:
            body = MultipartBody.for_file(_whole(file), "file", self._form)
            size = body.length
            if size == 0:
                raise ApiValueError(f"part {self._part + 1} is empty")
            number = self._part + 1
            content_range = f"part {number}/{number if last else '*'}"
            try:
                result = _post(self._client, self._req, body, content_range, options, self._form)
            except ApiException as exc:
                how = f"send part {number} again with upload_part() or upload_last_part() on this session"
                raise _stopped(exc, self.video_id, self._sent, None, how) from exc
        finally:
            if opened:
                file.close()
        self._part = number
        self._sent += size
        _remember_video(self._req, self._form, result)
        progress: Progress = options.get("_progress_listener")
        if progress is not None:
            progress(self._sent, self._sent if last else None)
        if last:
            self._closed = True
        return result
