"""``apivideo upload``, what comes before sending and what a stream needs: what the PATH arguments designate,
checked before anything is created; the titles; a stream (standard input, a named pipe) sent in parts as it
arrives, and when it stops part way, which video it went to and what can be done. Files are sent by ``_batch``."""

from __future__ import annotations

import os
import stat
import sys
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple, Union

from apivideo.cli._context import EXIT_OK, Context, UsageError
from apivideo.cli._output import Progress, human_bytes, note, print_json, print_table

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


# -- what the command line names ------------------------------------------------------------------------------------


def _special(name: str) -> bool:
    """Standard input, a device path such as /dev/stdin, or anything that is neither a file nor a folder (a pipe,
    a missing path): read through :func:`open_source`, which says what it is."""
    return name == "-" or name.startswith("/dev/") or not (os.path.isfile(name) or os.path.isdir(name))


def named_files(ctx: Context) -> Union[Source, List[str]]:
    """What the PATH arguments designate: standard input or a stream (a :class:`Source`, given alone), or the files
    to upload, found in the folders among them (``--recursive``, ``--include``)."""
    args = ctx.args
    names: List[str] = args.paths
    if len(names) == 1 and _special(names[0]):
        return open_source(names[0])
    for name in names:
        if name == "-":
            raise UsageError("- (standard input) is uploaded on its own: give it as the only PATH")
        if not os.path.exists(name):
            raise UsageError(f"no such file or folder: {name}")
        if not (os.path.isfile(name) or os.path.isdir(name)):
            raise UsageError(f"{name} is not a regular file or a folder: a stream or a device is uploaded on its own")
    from apivideo.exceptions import ApiValueError
    from apivideo.library import find_files

    try:
        files = find_files(names, args.recursive, args.include)
    except ApiValueError as exc:
        raise UsageError(str(exc)) from None
    if not files:
        where = " and ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
        matching = " matching " + " or ".join(args.include) if args.include else ""
        raise UsageError(f"no file{matching} in {where}: nothing to upload")
    if len(files) == 1 and os.path.getsize(files[0]) == 0:
        raise UsageError(f"{files[0]} is empty: nothing to upload")
    return files


def title_for(ctx: Context, name: str) -> str:
    """The title of the video of ``name``: ``--title``, else ``--title-template`` filled from the file's name, else
    the SDK's title from the file name (``stdin`` for standard input)."""
    from apivideo.library import title_from_name

    args = ctx.args
    if args.title:
        return str(args.title)
    stem_name = "stdin" if name == "-" else name
    default = title_from_name(stem_name)
    if not args.title_template:
        return default
    base = os.path.basename(stem_name)
    folder = os.path.basename(os.path.dirname(os.path.abspath(stem_name)))
    return str(args.title_template).format(name=base, stem=os.path.splitext(base)[0], folder=folder, title=default)


def _check_template(template: Optional[str]) -> None:
    if not template:
        return
    try:
        filled = template.format(name="clip.mp4", stem="clip", folder="videos", title="clip")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise UsageError(
            f"argument --title-template: {template!r} cannot be filled ({type(exc).__name__}: {exc}); use {{stem}},"
            " {name}, {folder} or {title}, and {{ }} for braces"
        ) from None
    if not filled.strip():
        raise UsageError(f"argument --title-template: {template!r} gives an empty title")


def check_options(ctx: Context, fields: Dict[str, Any]) -> None:
    """What the options say about each other, before anything is read or sent."""
    args = ctx.args
    _check_template(args.title_template)
    attributes = bool(fields) or bool(args.title_template)
    if args.resume and attributes:
        raise UsageError("--resume uploads the rest of the file only; set attributes with 'apivideo videos update'")
    if args.resume and len(args.paths) > 1:
        raise UsageError("--resume continues the upload of one file: give one PATH")
    if args.token and attributes and ctx.api_key is None and not args.dry_run:
        raise UsageError(
            "with --token only the file is sent; --title, --title-template, --description, --tag, --metadata and"
            " --public/--private also need an API key"
        )
    if args.token and args.wait and ctx.api_key is None:
        raise UsageError("--wait needs an API key: an upload token cannot read the status of a video")
    if args.wait_timeout is not None and not args.wait:
        raise UsageError("--wait-timeout is the longest --wait waits: add --wait")


def video_fields(ctx: Context) -> Dict[str, Any]:
    """The video attributes given on the command line, and only those."""
    fields = ctx.sdk_values()
    if "metadata" in fields:
        from apivideo.model.metadata import Metadata

        fields["metadata"] = [Metadata(key=key, value=value) for key, value in fields["metadata"]]
    return fields


# -- a stream ------------------------------------------------------------------------------------------------------


class _Attempt:
    """Where a stream's upload stands: the video it goes to once that exists, to tell what to do when it stops."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.video_id: Optional[str] = None
        self.session: Optional[ProgressiveSession] = None  # knows the video once its first part created it
        self.parts_sent = 0
        self.finished = False

    def hints(self) -> List[str]:
        video_id = (self.session.video_id if self.session is not None else None) or self.video_id
        if video_id is None or self.finished:
            return []
        remove = self.ctx.command_line("videos", "delete", video_id)
        if not self.parts_sent:
            return [f"video {video_id} was created but received none of the stream; remove it with: {remove}"]
        return [f"video {video_id} holds only the start of the stream, which cannot be read again; remove it"
                f" with: {remove}"]  # fmt: skip


def upload_stream(ctx: Context, source: Source, fields: Dict[str, Any]) -> int:
    """A stream (a pipe, standard input from a program): sent in parts of the chunk size as the bytes arrive, with
    Ctrl-C stopping it at once. Neither the journal nor a resume can apply: the bytes cannot be read again."""
    from apivideo.configuration import DEFAULT_CHUNK_SIZE

    args = ctx.args
    if args.resume:
        raise UsageError(f"--resume needs a file: {source.label} is a stream, which cannot be read again")
    if args.max_bandwidth:
        raise UsageError(f"--max-bandwidth applies to files: {source.label} is a stream, sent as it arrives")
    if args.dry_run:
        print_table(("FILE", "TITLE", "PLAN"), [[source.name, title_for(ctx, source.name), "would upload a stream"]])
        return EXIT_OK
    chunk: int = args.chunk_size or DEFAULT_CHUNK_SIZE
    note(f"{source.label} is a stream: it is sent in parts of {human_bytes(chunk)} as they arrive")
    attempt = _Attempt(ctx)
    progress = Progress(sys.stderr)
    try:
        video = _send_stream(ctx, source, fields, chunk, attempt, progress)
        attempt.finished = True
    except BaseException:
        ctx.hints += attempt.hints()
        raise
    finally:
        progress.close()
    attributes = bool(fields or args.title or args.title_template)
    if args.wait or (args.token and attributes):
        with ctx.client() as client:
            from apivideo.api.videos_api import VideosApi

            videos = VideosApi(client)
            if args.token and attributes:  # the token sends the file only; the attributes need the key
                from apivideo.model.video_update_payload import VideoUpdatePayload

                given: Dict[str, Any] = dict(fields)
                if args.title or args.title_template:
                    given["title"] = title_for(ctx, source.name)
                video = videos.update(video.video_id, VideoUpdatePayload(**given))
            if args.wait:
                from apivideo.library import wait_until_playable

                note(f"video {video.video_id} is uploaded; waiting until it is playable")
                wait_until_playable(client, video.video_id, timeout=args.wait_timeout or 600.0)
                video = videos.get(video.video_id)
    return print_video(ctx, video)


def print_video(ctx: Context, video: Video) -> int:
    """The result of an upload of one file: its id and player URL, or with --json the video object."""
    if ctx.args.json:
        print_json(video.to_wire())
        return EXIT_OK
    print(video.video_id)
    player = video.assets.player if video.assets is not None else None
    if player:
        print(player)
    return EXIT_OK


def _send_stream(
    ctx: Context, source: Source, fields: Dict[str, Any], chunk: int, attempt: _Attempt, progress: Progress
) -> Video:
    from apivideo.api.videos_api import VideosApi

    args = ctx.args
    if args.token:
        with ctx.anonymous_client() as anonymous:
            note(f"uploading {source.label} with an upload token")
            session = VideosApi(anonymous).create_upload_with_upload_token_progressive_session(args.token)
            return _send_parts(session, source, chunk, attempt, progress)
    from apivideo.model.video_creation_payload import VideoCreationPayload

    with ctx.client() as client:
        videos = VideosApi(client)
        attempt.video_id = videos.create(VideoCreationPayload(title_for(ctx, source.name), **fields)).video_id
        note(f"created video {attempt.video_id}; uploading {source.label}")
        session = videos.create_upload_progressive_session(attempt.video_id)
        return _send_parts(session, source, chunk, attempt, progress)


def _send_parts(
    session: ProgressiveSession, source: Source, chunk: int, attempt: _Attempt, progress: Progress
) -> Video:
    attempt.session = session
    sent = 0
    video: Any = None
    for part, length, last in _parts(source, chunk):
        video = session.upload_last_part(part) if last else session.upload_part(part)
        attempt.parts_sent += 1
        sent += length
        progress(sent, sent if last else None)
    return video  # type: ignore[no-any-return]


def _parts(source: Source, chunk: int) -> Iterator[Tuple[bytes, int, bool]]:
    """(part, its length, whether it is the last) for each part of ``chunk`` bytes of a stream, read one ahead so
    that the last one is known."""
    block = _read_full(source.file, chunk)
    while block:
        following = _read_full(source.file, chunk)
        yield block, len(block), not following
        block = following


def _read_full(file: Any, size: int) -> bytes:
    # One system call per read1 (where the file has it): back in Python between two, a Ctrl-C that arrived while the
    # previous one was copying data is raised at once, not after the next read (which may wait for more input).
    read = getattr(file, "read1", file.read)
    pieces, left = [], size
    while left > 0:
        data = read(left)
        if not data:
            break
        pieces.append(data)
        left -= len(data)
    return b"".join(pieces)
