"""``apivideo upload``: look at what is to be sent before creating anything, send it, and when it stops part
way, say which video it went to and what to run to continue."""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from apivideo.cli._context import EXIT_OK, Context, UsageError
from apivideo.cli._output import Progress, human_bytes, keep_secret, note, print_json

if TYPE_CHECKING:
    from apivideo.model.video import Video
    from apivideo.upload import ProgressiveSession


class Source:
    """What ``upload`` reads: a regular file (``size`` known) or a stream such as a pipe (``size`` None)."""

    def __init__(self, name: str, label: str, file: Any, size: Optional[int], owned: bool) -> None:
        self.name = name  # as written on the command line ("-" for standard input)
        self.label = label  # as said in messages
        self.file = file
        self.size = size
        self.owned = owned  # opened here, so closed here

    @property
    def is_stream(self) -> bool:
        return self.size is None

    def close(self) -> None:
        if self.owned:
            self.file.close()


# What a path can be besides a file or a pipe, and why that cannot be uploaded.
_REFUSED = (
    (stat.S_ISDIR, "is a directory: give a video file"),
    (stat.S_ISBLK, "is a block device, not a video file"),
    (stat.S_ISSOCK, "is a socket, not a video file"),
)


def open_source(name: str) -> Source:
    """Open what ``name`` designates (``-`` is standard input), refusing what cannot be uploaded, empty files
    and empty streams included, with a message that says what it is."""
    stdin = name == "-"
    label = "standard input" if stdin else name
    if stdin and sys.stdin is None:
        raise UsageError("standard input is closed: pipe the video in, e.g. cat clip.mp4 | apivideo upload -")
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode if stdin else os.stat(name).st_mode
    except FileNotFoundError:
        raise UsageError(f"no such file: {name}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {label}: {_plain_os_error(exc)}") from None
    for test, problem in _REFUSED:
        if test(mode) and not (stdin and test is stat.S_ISSOCK):  # standard input may be a socket: a stream
            raise UsageError(f"{label} {problem}")
    if stat.S_ISCHR(mode):
        terminal = sys.stdin.isatty() if stdin else _is_terminal(name)
        if terminal:
            raise UsageError(f"{label} is a terminal: pipe the video in, e.g. cat clip.mp4 | apivideo upload -")
        raise UsageError(f"{label} is a character device, not a video file")
    if stdin:
        source = Source(name, label, sys.stdin.buffer, None, owned=False)
    else:
        try:
            file = open(name, "rb")  # noqa: SIM115 - closed by Source.close; a named pipe waits here for a writer
        except OSError as exc:
            raise UsageError(f"cannot read {name}: {_plain_os_error(exc)}") from None
        source = Source(name, label, file, None, owned=True)
    if stat.S_ISREG(mode):
        source.size = os.fstat(source.file.fileno()).st_size
        if source.size == 0:
            source.close()
            raise UsageError(f"{label} is empty: nothing to upload")
    elif not source.file.peek(1):  # a stream: wait for its first byte, or its end
        source.close()
        raise UsageError(f"{label} is empty: the stream ended before any byte arrived")
    return source


def _is_terminal(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return os.isatty(fd)
    finally:
        os.close(fd)


def _plain_os_error(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text[:1].lower() + text[1:]


# -- sending -------------------------------------------------------------------------------------------------------


class _Attempt:
    """Where an upload stands: the video it goes to once that exists, to tell how to continue when it stops."""

    def __init__(self, ctx: Context, source: Source) -> None:
        self.ctx, self.source = ctx, source
        self.video_id: Optional[str] = None
        self.session: Optional[ProgressiveSession] = None  # knows the video once its first part created it
        self.finished = False

    def hints(self) -> List[str]:
        args = self.ctx.args
        video_id = (self.session.video_id if self.session is not None else None) or self.video_id
        if video_id is None or self.finished:
            return []
        if self.source.is_stream:
            remove = self.ctx.command_line("videos", "delete", video_id)
            return [f"video {video_id} holds only the start of the stream, which cannot be read again; remove it"
                    f" with: {remove}"]  # fmt: skip
        words = ["upload", self.source.name]
        if args.token:
            words += ["--token", "UPLOAD_TOKEN"]
        words += ["--resume", video_id]
        if args.chunk_size is not None:
            words += ["--chunk-size", str(args.chunk_size)]
        if not args.token:
            return [f"to send the rest later: {self.ctx.command_line(*words)}"]
        return [f"video {video_id} holds part of the file; to send the file to it again, with the upload token in"
                f" place of UPLOAD_TOKEN: {self.ctx.command_line(*words)}"]  # fmt: skip


def cmd_upload(ctx: Context) -> int:
    args = ctx.args
    keep_secret(args.token)
    fields = video_fields(ctx)
    if args.resume and fields:
        raise UsageError("--resume uploads the rest of the file only; set attributes with 'apivideo videos update'")
    if args.token and fields and ctx.api_key is None:
        raise UsageError(
            "with --token only the file is sent; --title, --description, --tag, --metadata and"
            " --public/--private also need an API key"
        )
    if args.token and args.concurrency is not None:
        raise UsageError("--concurrency needs the API key: with --token the parts are sent one after another")
    source = open_source(args.file)
    try:
        if args.resume and source.is_stream:
            raise UsageError(f"--resume needs a file: {source.label} is a stream, which cannot be read again")
        attempt = _Attempt(ctx, source)
        progress = Progress(sys.stderr)
        try:
            video = _send(ctx, source, fields, attempt, progress)
        except BaseException:
            ctx.hints += attempt.hints()
            raise
        finally:
            progress.close()
    finally:
        source.close()
    if args.json:
        print_json(video.to_wire())
        return EXIT_OK
    print(video.video_id)
    player = video.assets.player if video.assets is not None else None
    if player:
        print(player)
    return EXIT_OK


def video_fields(ctx: Context) -> Dict[str, Any]:
    """The video attributes given on the command line, and only those."""
    fields = ctx.sdk_values()
    if "metadata" in fields:
        from apivideo.model.metadata import Metadata

        fields["metadata"] = [Metadata(key=key, value=value) for key, value in fields["metadata"]]
    return fields


def _send(ctx: Context, source: Source, fields: Dict[str, Any], attempt: _Attempt, progress: Progress) -> Video:
    from apivideo.configuration import DEFAULT_CHUNK_SIZE

    chunk: int = ctx.args.chunk_size or DEFAULT_CHUNK_SIZE
    if source.is_stream:
        note(f"{source.label} is a stream: it is sent in parts of {human_bytes(chunk)} as they arrive")
    if not ctx.args.token:
        video = _send_with_key(ctx, source, fields, chunk, attempt, progress)
        attempt.finished = True
        return video
    video = _send_with_token(ctx, source, chunk, attempt, progress)
    attempt.finished = True
    if fields:  # the token sends the file only; the attributes need the key
        from apivideo.api.videos_api import VideosApi
        from apivideo.model.video_update_payload import VideoUpdatePayload

        with ctx.client() as client:
            video = VideosApi(client).update(video.video_id, VideoUpdatePayload(**fields))
    return video


def _send_with_key(
    ctx: Context, source: Source, fields: Dict[str, Any], chunk: int, attempt: _Attempt, progress: Progress
) -> Video:
    from apivideo.api.videos_api import VideosApi

    resume = ctx.args.resume
    with ctx.client() as client:
        videos = VideosApi(client)
        if resume:
            attempt.video_id = resume
            note(f"resuming the upload of {_what(source)} to video {resume}")
            return videos.upload(resume, source.file, resume=True, _progress_listener=progress)
        from apivideo.model.video_creation_payload import VideoCreationPayload

        title = fields.pop("title", None) or ("stdin" if source.name == "-" else os.path.basename(source.name))
        attempt.video_id = videos.create(VideoCreationPayload(title, **fields)).video_id
        note(f"created video {attempt.video_id}; uploading {_what(source)}")
        if source.is_stream:
            return _send_parts(videos.create_upload_progressive_session(attempt.video_id), source, chunk, attempt,
                               progress)  # fmt: skip
        return videos.upload(attempt.video_id, source.file, _progress_listener=progress)


def _send_with_token(ctx: Context, source: Source, chunk: int, attempt: _Attempt, progress: Progress) -> Video:
    from apivideo.api.videos_api import VideosApi

    token, resume = ctx.args.token, ctx.args.resume
    with ctx.anonymous_client() as anonymous:
        videos = VideosApi(anonymous)
        attempt.video_id = resume
        note(f"uploading {_what(source)} with an upload token" + (f" to video {resume}" if resume else ""))
        if source.size is not None and source.size <= chunk:  # one request: it never leaves a partial video
            return videos.upload_with_upload_token(token, source.file, video_id=resume, _progress_listener=progress)
        # Parts rather than the SDK's chunked upload: a session tells which video its first part created, and an
        # interrupted upload must say it.
        session = videos.create_upload_with_upload_token_progressive_session(token, resume)
        return _send_parts(session, source, chunk, attempt, progress)


def _what(source: Source) -> str:
    return f"{source.label} ({human_bytes(source.size)})" if source.size is not None else source.label


def _send_parts(
    session: ProgressiveSession, source: Source, chunk: int, attempt: _Attempt, progress: Progress
) -> Video:
    attempt.session = session
    sent = 0
    video: Any = None
    for part, length, last in _parts(source, chunk):
        video = session.upload_last_part(part) if last else session.upload_part(part)
        sent += length
        progress(sent, source.size if source.size is not None else (sent if last else None))
    return video  # type: ignore[no-any-return]


def _parts(source: Source, chunk: int) -> Iterator[Tuple[Any, int, bool]]:
    """(part, its length, whether it is the last) for each part of ``chunk`` bytes: slices of a file, read from
    disk as they are sent, or blocks of a stream, one ahead so that the last one is known."""
    if source.size is not None:
        for offset in range(0, source.size, chunk):
            length = min(chunk, source.size - offset)
            yield _Slice(source.file, offset, length), length, offset + length >= source.size
        return
    block = _read_full(source.file, chunk)
    while block:
        following = _read_full(source.file, chunk)
        yield block, len(block), not following
        block = following


def _read_full(file: Any, size: int) -> bytes:
    pieces, left = [], size
    while left > 0:
        data = file.read(left)
        if not data:
            break
        pieces.append(data)
        left -= len(data)
    return b"".join(pieces)


class _Slice(io.RawIOBase):
    """``length`` bytes of an open file from ``offset``, seen as a file of their own."""

    def __init__(self, file: Any, offset: int, length: int) -> None:
        super().__init__()
        self._file, self._offset, self._length, self._position = file, offset, length, 0
        self.name = getattr(file, "name", "file")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._length - self._position)
        if count <= 0:
            return 0
        self._file.seek(self._offset + self._position)
        data = self._file.read(count)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
