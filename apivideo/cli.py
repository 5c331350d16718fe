"""The ``apivideo`` command: upload and manage videos from a shell, built on the public SDK.

    apivideo upload clip.mp4 --title "Launch" --tag launch
    apivideo videos list --tag launch --all
    apivideo emulator            # a local api.video to try everything offline

Exit status: 0 on success, 1 when the API (or the network) refused the operation, 2 on a usage error, 130 when
interrupted. Results go to stdout (``--json`` for scripts); progress and messages go to stderr. The API key is
never written anywhere.

Only the standard library is imported at module level so that ``--help`` stays fast; SDK modules are imported
by the command that needs them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, TextIO, Tuple

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.auth_api_client import AuthenticatedApiClient
    from apivideo.configuration import Configuration
    from apivideo.exceptions import ApiException
    from apivideo.model.metadata import Metadata
    from apivideo.model.upload_token import UploadToken
    from apivideo.model.video import Video

__all__ = ["main", "build_parser", "parse_size"]

ENV_API_KEY = "APIVIDEO_API_KEY"
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Values that must never reach any output (the API key), filled in by main() before arguments are parsed so
# that even argparse's own error messages are cleaned.
_SECRETS: List[str] = []


class UsageError(Exception):
    """A mistake on the command line found after parsing (exit status 2)."""


# -- small helpers ---------------------------------------------------------------------------------------------


def redact(text: str) -> str:
    """Replace every known secret in ``text`` by ``***``."""
    for secret in _SECRETS:
        if secret:
            text = text.replace(secret, "***")
    return text


def parse_size(text: str) -> int:
    """Parse a byte count: ``10485760``, ``10M``, ``10MiB``, ``10MB``, ``512K``, ``1.5G`` (units are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*(?:([kKmMgG])(?:i?[bB])?|[bB])?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (examples: 10485760, 10M, 10MiB)")
    unit = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[(match.group(2) or "").lower()]
    return int(float(match.group(1)) * unit)


def _key_value(text: str) -> Tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # pragma: no cover - the loop always returns


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ("" if value is None else str(value))


def _yes_no(value: Optional[bool]) -> str:
    return "" if value is None else ("yes" if value else "no")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _note(text: str) -> None:
    print(redact(text), file=sys.stderr, flush=True)


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in [list(headers), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


# -- progress --------------------------------------------------------------------------------------------------


class Progress:
    """Upload progress on a stream: a redrawn bar on a terminal, a plain line every ``interval`` seconds otherwise.

    Called as ``progress(bytes_done, total)`` by the SDK after each acknowledged chunk.
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

    def __call__(self, done: int, total: Optional[int]) -> None:
        now = self.clock()
        self.done = done
        finished = total is not None and done >= total
        if not self.tty and not finished and now - self.last_line < self.interval:
            return
        self.last_line = now
        text = self.render(done, total, now)
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
            parts.append(f"{_human_bytes(done)} / {_human_bytes(total)}")
        else:
            parts.append(_human_bytes(done))
        parts.append(f"{_human_bytes(rate)}/s")
        if total and rate > 0 and done < total:
            parts.append(f"ETA {_duration((total - done) / rate)}")
        elif total and done >= total:
            parts.append(f"in {_duration(elapsed)}")
        return "  ".join(parts)

    def close(self) -> None:
        """End the bar's line on a terminal, so that what follows starts on a fresh line."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


# -- the context every command receives ------------------------------------------------------------------------


class Context:
    """Parsed arguments plus how to build clients from the global options."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        key = args.api_key if args.api_key is not None else os.environ.get(ENV_API_KEY)
        self.api_key: Optional[str] = key.strip() if key and key.strip() else None

    def require_key(self) -> str:
        if self.api_key is None:
            raise UsageError(f"no API key: pass --api-key or set {ENV_API_KEY}")
        return self.api_key

    def configuration(self, **settings: Any) -> Configuration:
        from apivideo.configuration import SANDBOX_HOST, Configuration
        from apivideo.exceptions import ApiTypeError, ApiValueError

        host = self.args.host or (SANDBOX_HOST if self.args.sandbox else None)
        try:
            config = Configuration(**settings)
            if host:
                config.host = host
        except (ApiValueError, ApiTypeError) as exc:
            raise UsageError(str(exc)) from None
        return config

    def client(self, **settings: Any) -> AuthenticatedApiClient:
        """An authenticated client (use it in a ``with`` block: the key is exchanged for a token there)."""
        from apivideo.auth_api_client import AuthenticatedApiClient

        key = self.require_key()
        return AuthenticatedApiClient(
            key, production=not self.args.sandbox, configuration=self.configuration(**settings)
        )

    def anonymous_client(self, **settings: Any) -> ApiClient:
        """A client without credentials, for upload tokens."""
        from apivideo.api_client import ApiClient

        return ApiClient(configuration=self.configuration(**settings))

    def global_options(self) -> List[str]:
        """The global options worth repeating in a hint (never the key)."""
        options = []
        if self.args.host:
            options += ["--host", self.args.host]
        elif self.args.sandbox:
            options.append("--sandbox")
        return options


# -- commands: upload -------------------------------------------------------------------------------------------


def _metadata(pairs: Optional[Iterable[Tuple[str, str]]]) -> Optional[List[Metadata]]:
    if not pairs:
        return None
    from apivideo.model.metadata import Metadata

    return [Metadata(key=key, value=value) for key, value in pairs]


def _video_fields(args: argparse.Namespace) -> Dict[str, Any]:
    """The video attributes given on the command line, and only those."""
    fields: Dict[str, Any] = {}
    if args.title is not None:
        fields["title"] = args.title
    if args.description is not None:
        fields["description"] = args.description
    if args.tag:
        fields["tags"] = list(args.tag)
    if args.metadata:
        fields["metadata"] = _metadata(args.metadata)
    if args.public is not None:
        fields["public"] = args.public
    return fields


def _resume_hint(ctx: Context, video_id: str) -> str:
    words = ["apivideo", *ctx.global_options(), "upload", ctx.args.file, "--resume", video_id]
    if ctx.args.chunk_size is not None:
        words += ["--chunk-size", str(ctx.args.chunk_size)]
    return " ".join(shlex.quote(w) for w in words)


def _print_video_result(video: Video, as_json: bool) -> None:
    if as_json:
        _print_json(video.to_wire())
        return
    print(video.video_id)
    player = video.assets.player if video.assets is not None else None
    if player:
        print(player)


def cmd_upload(ctx: Context) -> int:
    args = ctx.args
    path: str = args.file
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    if args.resume and args.token:
        raise UsageError("--resume and --token cannot be combined: resuming needs the API key and the video id")
    fields = _video_fields(args)
    if args.resume and fields:
        raise UsageError("--resume uploads the rest of the file only; set attributes with 'apivideo videos update'")
    if args.token and fields and ctx.api_key is None:
        raise UsageError(
            "with --token only the file is sent; --title, --description, --tag, --metadata and"
            " --public/--private also need an API key"
        )
    settings: Dict[str, Any] = {}
    if args.chunk_size is not None:
        settings["chunk_size"] = args.chunk_size
    if args.concurrency is not None:
        settings["upload_concurrency"] = args.concurrency

    from apivideo.api.videos_api import VideosApi
    from apivideo.exceptions import UploadError

    progress = Progress(sys.stderr)
    size = os.path.getsize(path)
    video_id: Optional[str] = args.resume
    try:
        if args.token:
            _note(f"uploading {path} ({_human_bytes(size)}) with an upload token")
            with ctx.anonymous_client(**settings) as anonymous:
                video = VideosApi(anonymous).upload_with_upload_token(args.token, path, _progress_listener=progress)
            progress.close()
            video_id = video.video_id
            if fields:
                from apivideo.model.video_update_payload import VideoUpdatePayload

                with ctx.client() as client:
                    video = VideosApi(client).update(video.video_id, VideoUpdatePayload(**fields))
        else:
            with ctx.client(**settings) as client:
                videos = VideosApi(client)
                if video_id is None:
                    from apivideo.model.video_creation_payload import VideoCreationPayload

                    fields.setdefault("title", os.path.basename(path))
                    title = fields.pop("title")
                    video_id = videos.create(VideoCreationPayload(title, **fields)).video_id
                    _note(f"created video {video_id}; uploading {path} ({_human_bytes(size)})")
                    video = videos.upload(video_id, path, _progress_listener=progress)
                else:
                    _note(f"resuming the upload of {path} ({_human_bytes(size)}) to video {video_id}")
                    video = videos.upload(video_id, path, resume=True, _progress_listener=progress)
            progress.close()
    except KeyboardInterrupt:
        progress.close()
        if video_id is not None:
            _note(f"interrupted; to send the rest later: {_resume_hint(ctx, video_id)}")
        else:
            _note("interrupted")
        return EXIT_INTERRUPTED
    except UploadError as exc:
        progress.close()
        _note(f"error: {describe_error(exc)}")
        if exc.video_id and exc.bytes_acknowledged:
            _note(f"to send the rest: {_resume_hint(ctx, exc.video_id)}")
        return EXIT_API
    except BaseException:
        progress.close()
        raise
    _print_video_result(video, args.json)
    return EXIT_OK


# -- commands: videos -------------------------------------------------------------------------------------------


def _list_filters(args: argparse.Namespace) -> Dict[str, Any]:
    filters: Dict[str, Any] = {}
    if args.title is not None:
        filters["title"] = args.title
    if args.tag:
        filters["tags"] = list(args.tag)
    if args.metadata:
        filters["metadata"] = dict(args.metadata)
    if args.sort_by is not None:
        filters["sort_by"] = args.sort_by
    if args.sort_order is not None:
        filters["sort_order"] = args.sort_order
    if args.page_size is not None:
        filters["page_size"] = args.page_size
    return filters


def cmd_videos_list(ctx: Context) -> int:
    from apivideo.api.videos_api import VideosApi
    from apivideo.pagination import paginate

    args = ctx.args
    filters = _list_filters(args)
    with ctx.client() as client:
        videos = VideosApi(client)
        if args.all:
            items: List[Video] = list(paginate(videos.list, **filters))
        else:
            page = videos.list(current_page=args.page, **filters)
            items = list(page.data)
            info = page.pagination
            if not args.json and info is not None and (info.pages_total or 0) > 1:
                _note(
                    f"page {info.current_page} of {info.pages_total} ({info.items_total} videos);"
                    " --page N for another, --all for every page"
                )
    if args.json:
        _print_json([v.to_wire() for v in items])
    elif items:
        rows = [[v.video_id, v.title or "", _when(v.created_at), _yes_no(v.public)] for v in items]
        _print_table(("ID", "TITLE", "CREATED", "PUBLIC"), rows)
    else:
        _note("no videos")
    return EXIT_OK


def _print_video(video: Video) -> None:
    assets = video.assets
    lines = [
        ("id", video.video_id),
        ("title", video.title or ""),
        ("description", video.description or ""),
        ("created", _when(video.created_at)),
        ("updated", _when(video.updated_at)),
        ("public", _yes_no(video.public)),
        ("tags", ", ".join(video.tags or [])),
        ("metadata", ", ".join(f"{m.key}={m.value}" for m in video.metadata or [])),
        ("player", (assets.player if assets else None) or ""),
        ("hls", (assets.hls if assets else None) or ""),
        ("thumbnail", (assets.thumbnail if assets else None) or ""),
    ]
    for name, value in lines:
        print(f"{name + ':':<13}{value}".rstrip())


def cmd_videos_get(ctx: Context) -> int:
    from apivideo.api.videos_api import VideosApi

    with ctx.client() as client:
        video = VideosApi(client).get(ctx.args.video_id)
    if ctx.args.json:
        _print_json(video.to_wire())
    else:
        _print_video(video)
    return EXIT_OK


def cmd_videos_status(ctx: Context) -> int:
    from apivideo.api.videos_api import VideosApi

    with ctx.client() as client:
        status = VideosApi(client).get_status(ctx.args.video_id)
    if ctx.args.json:
        _print_json(status.to_wire())
        return EXIT_OK
    ingest, encoding = status.ingest, status.encoding
    received = ""
    if ingest is not None and ingest.filesize is not None:
        received = f" ({ingest.filesize} bytes)"
    qualities = ", ".join(
        " ".join(str(part) for part in (q.type, q.quality, q.status) if part)
        for q in ((encoding.qualities if encoding else None) or [])
    )
    print(f"ingest:      {(ingest.status if ingest else None) or 'unknown'}{received}")
    print(f"playable:    {_yes_no(encoding.playable if encoding else None) or 'unknown'}")
    print(f"qualities:   {qualities}".rstrip())
    return EXIT_OK


def cmd_videos_update(ctx: Context) -> int:
    from apivideo.api.videos_api import VideosApi
    from apivideo.model.video_update_payload import VideoUpdatePayload

    fields = _video_fields(ctx.args)
    if not fields:
        raise UsageError("nothing to update: give --title, --description, --tag, --metadata, --public or --private")
    with ctx.client() as client:
        video = VideosApi(client).update(ctx.args.video_id, VideoUpdatePayload(**fields))
    if ctx.args.json:
        _print_json(video.to_wire())
    else:
        _print_video(video)
    return EXIT_OK


def cmd_videos_delete(ctx: Context) -> int:
    from apivideo.api.videos_api import VideosApi

    with ctx.client() as client:
        VideosApi(client).delete(ctx.args.video_id)
    if ctx.args.json:
        _print_json({"videoId": ctx.args.video_id, "deleted": True})
    else:
        _note(f"deleted video {ctx.args.video_id}")
    return EXIT_OK


# -- commands: upload tokens ------------------------------------------------------------------------------------


def _token_row(token: UploadToken) -> List[str]:
    return [token.token or "", _when(token.created_at), _when(token.expires_at) or "never", str(token.ttl or "")]


def cmd_tokens_create(ctx: Context) -> int:
    from apivideo.api.upload_tokens_api import UploadTokensApi
    from apivideo.model.token_creation_payload import TokenCreationPayload

    payload = TokenCreationPayload() if ctx.args.ttl is None else TokenCreationPayload(ttl=ctx.args.ttl)
    with ctx.client() as client:
        token = UploadTokensApi(client).create_token(payload)
    if ctx.args.json:
        _print_json(token.to_wire())
    else:
        print(token.token)
        _note(f"expires: {_when(token.expires_at) or 'never'}")
    return EXIT_OK


def cmd_tokens_list(ctx: Context) -> int:
    from apivideo.api.upload_tokens_api import UploadTokensApi
    from apivideo.pagination import paginate

    filters: Dict[str, Any] = {}
    if ctx.args.page_size is not None:
        filters["page_size"] = ctx.args.page_size
    with ctx.client() as client:
        tokens_api = UploadTokensApi(client)
        if ctx.args.all:
            tokens: List[UploadToken] = list(paginate(tokens_api.list, **filters))
        else:
            tokens = list(tokens_api.list(**filters).data)
    if ctx.args.json:
        _print_json([t.to_wire() for t in tokens])
    elif tokens:
        _print_table(("TOKEN", "CREATED", "EXPIRES", "TTL"), [_token_row(t) for t in tokens])
    else:
        _note("no upload tokens")
    return EXIT_OK


def cmd_tokens_delete(ctx: Context) -> int:
    from apivideo.api.upload_tokens_api import UploadTokensApi

    with ctx.client() as client:
        UploadTokensApi(client).delete_token(ctx.args.upload_token)
    if ctx.args.json:
        _print_json({"token": ctx.args.upload_token, "deleted": True})
    else:
        _note(f"deleted upload token {ctx.args.upload_token}")
    return EXIT_OK


# -- commands: emulator and demo ---------------------------------------------------------------------------------


def _entry(module: str, name: str) -> Callable[..., int]:
    """A function of a module loaded at run time (the emulator package is not part of the typed surface)."""
    import importlib

    func: Callable[..., int] = getattr(importlib.import_module(module), name)
    return func


def cmd_emulator(ctx: Context) -> int:
    # The emulator prints its own key (made for local use); the user's API key is never passed to it.
    return _entry("apivideo.testing.__main__", "main")(["--port", str(ctx.args.port)])


def cmd_demo(ctx: Context) -> int:
    return _entry("apivideo.demo", "run")()


# -- errors ------------------------------------------------------------------------------------------------------


def describe_error(exc: ApiException) -> str:
    """One line for an API failure: the HTTP status, the problem title, its field, and the detail."""
    from apivideo.exceptions import ApiConnectionException, ApiException, UploadError

    if isinstance(exc, UploadError):
        cause = describe_error(exc.cause) if isinstance(exc.cause, ApiException) else str(exc.cause or "")
        done = f" after {_human_bytes(exc.bytes_acknowledged)} were acknowledged" if exc.bytes_acknowledged else ""
        where = f" of video {exc.video_id}" if exc.video_id else ""
        return redact(f"upload{where} stopped{done}: {cause or exc.reason or 'unknown failure'}")
    if isinstance(exc, ApiConnectionException):
        where = f" ({exc.route})" if exc.route else ""
        return redact(f"no answer from the API{where}: {exc.reason}")
    text = " ".join(str(p) for p in (exc.status, exc.title or exc.reason) if p)
    if exc.name:
        text += f" ({exc.name})"
    detail = exc.detail
    if not detail and exc.problems:
        first = exc.problems[0]
        detail = " ".join(str(first[k]) for k in ("title", "name") if first.get(k))
        if len(exc.problems) > 1:
            detail += f" (and {len(exc.problems) - 1} more)"
    if detail and detail != exc.title:
        text += f" - {detail}"
    return redact(" ".join((text or str(exc)).split()))


# -- the parser --------------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with secrets removed from its error messages."""

    def error(self, message: str) -> Any:  # argparse declares NoReturn; it exits with status 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message)}\n")


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")


def _add_video_fields(parser: argparse.ArgumentParser, creating: bool) -> None:
    parser.add_argument("--title", help="title of the video" + (" (default: the file name)" if creating else ""))
    parser.add_argument("--description", help="description of the video")
    parser.add_argument("--tag", action="append", metavar="TAG", help="a tag (repeat the option for several)")
    parser.add_argument(
        "--metadata", action="append", type=_key_value, metavar="KEY=VALUE", help="a metadata pair (repeatable)"
    )
    visibility = parser.add_mutually_exclusive_group()
    visibility.add_argument("--public", dest="public", action="store_const", const=True, help="anyone can watch it")
    visibility.add_argument(
        "--private", dest="public", action="store_const", const=False, help="watch it only with a private token"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``apivideo`` command."""
    from apivideo._version import __version__

    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="apivideo",
        description="Upload and manage api.video videos from the command line.",
        formatter_class=fmt,
        epilog=_examples(
            "export APIVIDEO_API_KEY=...        # or pass --api-key before the command",
            "apivideo upload clip.mp4 --title 'Launch' --tag launch",
            "apivideo videos list --tag launch --all",
            "apivideo --sandbox videos get vi4k0jvEUuaTdRAEjQ4Jfrgz --json",
            "apivideo emulator --port 8080     # then: apivideo --host http://127.0.0.1:8080 --api-key KEY ...",
            "apivideo demo",
        )
        + "\n\nexit status: 0 success, 1 API error, 2 usage error, 130 interrupted",
    )
    parser.add_argument(
        "--api-key", metavar="KEY", default=None, help=f"your api.video API key (default: ${ENV_API_KEY})"
    )
    parser.add_argument("--sandbox", action="store_true", help="use the sandbox environment instead of production")
    parser.add_argument("--host", metavar="URL", help="API root URL, e.g. the emulator's http://127.0.0.1:8080")
    parser.add_argument(
        "--verbose", action="store_true", help="log each request on stderr and show tracebacks on errors"
    )
    parser.add_argument("--version", action="version", version=f"apivideo {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # upload
    upload = commands.add_parser(
        "upload",
        help="create a video and upload a file to it",
        description="Create a video and upload FILE to it (in chunks when large), with a progress report on stderr."
        " Prints the video id and its player URL.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo upload clip.mp4",
            "apivideo upload talk.mov --title 'Keynote' --tag conf --metadata room=A --private",
            "apivideo upload big.mp4 --chunk-size 64MiB --concurrency 4",
            "apivideo upload clip.mp4 --token to1tcmSFHeYY5KzyhOqVKMKb     # no API key needed",
            "apivideo upload big.mp4 --resume vi4k0jvEUuaTdRAEjQ4Jfrgz     # after an interruption",
            "apivideo upload clip.mp4 --json | jq -r .assets.player",
        ),
    )
    upload.add_argument("file", metavar="FILE", help="the video file to send")
    _add_video_fields(upload, creating=True)
    upload.add_argument("--token", metavar="UPLOAD_TOKEN", help="upload with this upload token instead of the API key")
    upload.add_argument(
        "--chunk-size",
        type=parse_size,
        metavar="SIZE",
        help="bytes per request, 5M to 128M, e.g. 10M, 10MiB or 10485760 (default 50MiB)",
    )
    upload.add_argument("--concurrency", type=_positive_int, metavar="N", help="chunks sent in parallel (1 to 16)")
    upload.add_argument(
        "--resume", metavar="VIDEO_ID", help="send only what the server is missing of an interrupted upload"
    )
    _add_json(upload)
    upload.set_defaults(func=cmd_upload)

    # videos
    videos = commands.add_parser(
        "videos",
        help="list, show, update and delete videos",
        description="List, show, update and delete videos.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo videos list --tag sport --sort-by createdAt --sort-order desc",
            "apivideo videos get vi4k0jvEUuaTdRAEjQ4Jfrgz",
            "apivideo videos update vi4k0jvEUuaTdRAEjQ4Jfrgz --title 'New title' --public",
        ),
    )
    video_commands = videos.add_subparsers(dest="videos_command", metavar="ACTION", required=True)

    vlist = video_commands.add_parser(
        "list",
        help="list videos",
        description="List videos, one page by default, every page with --all.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo videos list",
            "apivideo videos list --title Keynote --tag conf --tag 2024 --metadata room=A",
            "apivideo videos list --sort-by title --sort-order asc --page-size 100 --all",
            "apivideo videos list --all --json | jq -r '.[].videoId'",
        ),
    )
    vlist.add_argument("--title", help="only videos with this title")
    vlist.add_argument("--tag", action="append", metavar="TAG", help="only videos with this tag (repeatable)")
    vlist.add_argument(
        "--metadata", action="append", type=_key_value, metavar="KEY=VALUE", help="only videos with this metadata"
    )
    vlist.add_argument("--sort-by", choices=("title", "createdAt", "publishedAt", "updatedAt"), help="sort key")
    vlist.add_argument("--sort-order", choices=("asc", "desc"), help="sort direction")
    vlist.add_argument("--page-size", type=_positive_int, metavar="N", help="videos per page (the API's default: 25)")
    paging = vlist.add_mutually_exclusive_group()
    paging.add_argument("--page", type=_positive_int, default=1, metavar="N", help="which page to show (default 1)")
    paging.add_argument("--all", action="store_true", help="walk every page")
    _add_json(vlist)
    vlist.set_defaults(func=cmd_videos_list)

    vget = video_commands.add_parser(
        "get",
        help="show one video",
        description="Show one video.",
        formatter_class=fmt,
        epilog=_examples("apivideo videos get vi4k0jvEUuaTdRAEjQ4Jfrgz", "apivideo videos get VIDEO_ID --json"),
    )
    vget.add_argument("video_id", metavar="ID", help="the video id")
    _add_json(vget)
    vget.set_defaults(func=cmd_videos_get)

    vstatus = video_commands.add_parser(
        "status",
        help="show the upload and encoding status of a video",
        description="Show the upload (ingest) and encoding status of a video.",
        formatter_class=fmt,
        epilog=_examples("apivideo videos status vi4k0jvEUuaTdRAEjQ4Jfrgz", "apivideo videos status VIDEO_ID --json"),
    )
    vstatus.add_argument("video_id", metavar="ID", help="the video id")
    _add_json(vstatus)
    vstatus.set_defaults(func=cmd_videos_status)

    vupdate = video_commands.add_parser(
        "update",
        help="change attributes of a video",
        description="Change the given attributes of a video; the others are left as they are."
        " --tag and --metadata replace the whole list.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo videos update vi4k0jvEUuaTdRAEjQ4Jfrgz --title 'Final cut'",
            "apivideo videos update VIDEO_ID --tag a --tag b --metadata lang=en --private",
        ),
    )
    vupdate.add_argument("video_id", metavar="ID", help="the video id")
    _add_video_fields(vupdate, creating=False)
    _add_json(vupdate)
    vupdate.set_defaults(func=cmd_videos_update)

    vdelete = video_commands.add_parser(
        "delete",
        help="delete a video",
        description="Delete a video.",
        formatter_class=fmt,
        epilog=_examples("apivideo videos delete vi4k0jvEUuaTdRAEjQ4Jfrgz"),
    )
    vdelete.add_argument("video_id", metavar="ID", help="the video id")
    _add_json(vdelete)
    vdelete.set_defaults(func=cmd_videos_delete)

    # tokens
    tokens = commands.add_parser(
        "tokens",
        help="create, list and delete upload tokens",
        description="Upload tokens let someone upload videos without your API key.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo tokens create --ttl 3600",
            "apivideo tokens list",
            "apivideo tokens delete to1tcmSFHeYY5KzyhOqVKMKb",
        ),
    )
    token_commands = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    tcreate = token_commands.add_parser(
        "create",
        help="create an upload token",
        description="Create an upload token and print it.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo tokens create                 # valid until deleted",
            "apivideo tokens create --ttl 86400     # valid for one day",
            "TOKEN=$(apivideo tokens create --json | jq -r .token)",
        ),
    )
    tcreate.add_argument("--ttl", type=int, metavar="SECONDS", help="lifetime in seconds (default: no expiry)")
    _add_json(tcreate)
    tcreate.set_defaults(func=cmd_tokens_create)

    tlist = token_commands.add_parser(
        "list",
        help="list upload tokens",
        description="List upload tokens.",
        formatter_class=fmt,
        epilog=_examples("apivideo tokens list", "apivideo tokens list --all --json"),
    )
    tlist.add_argument("--page-size", type=_positive_int, metavar="N", help="tokens per page")
    tlist.add_argument("--all", action="store_true", help="walk every page")
    _add_json(tlist)
    tlist.set_defaults(func=cmd_tokens_list)

    tdelete = token_commands.add_parser(
        "delete",
        help="delete an upload token",
        description="Delete an upload token: uploads with it are refused from then on.",
        formatter_class=fmt,
        epilog=_examples("apivideo tokens delete to1tcmSFHeYY5KzyhOqVKMKb"),
    )
    tdelete.add_argument("upload_token", metavar="TOKEN", help="the upload token")
    _add_json(tdelete)
    tdelete.set_defaults(func=cmd_tokens_delete)

    # emulator, demo
    emulator = commands.add_parser(
        "emulator",
        help="run a local api.video emulator until Ctrl-C",
        description="Serve the local api.video emulator on 127.0.0.1 until Ctrl-C, and print its host and API key.",
        formatter_class=fmt,
        epilog=_examples(
            "apivideo emulator --port 8080",
            "apivideo --host http://127.0.0.1:8080 --api-key emulator-api-key videos list   # in another shell",
        ),
    )
    emulator.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    emulator.set_defaults(func=cmd_emulator)

    demo = commands.add_parser(
        "demo",
        help="run an end-to-end demo against the local emulator",
        description="Start the emulator, then authenticate, create a video, upload a file in chunks, read its"
        " status, list and delete, narrating each step. Nothing leaves this machine.",
        formatter_class=fmt,
        epilog=_examples("apivideo demo"),
    )
    demo.set_defaults(func=cmd_demo)
    return parser


# -- entry point -------------------------------------------------------------------------------------------------


def _secrets_in(argv: Sequence[str]) -> List[str]:
    found = [os.environ.get(ENV_API_KEY, "").strip()]
    for i, arg in enumerate(argv):
        if arg == "--api-key" and i + 1 < len(argv):
            found.append(argv[i + 1].strip())
        elif arg.startswith("--api-key="):
            found.append(arg.split("=", 1)[1].strip())
    # Longest first, so that a key containing another is replaced whole; very short values would mangle output.
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("apivideo: %(levelname)s %(message)s"))
    logger = logging.getLogger("apivideo")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _SECRETS[:] = _secrets_in(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.api_key is not None and args.api_key.strip():
        _SECRETS[:] = sorted({*_SECRETS, args.api_key.strip()}, key=len, reverse=True)
    verbose: bool = args.verbose
    if verbose:
        _setup_logging()

    from apivideo.exceptions import ApiException, OpenApiException

    ctx = Context(args)
    func: Callable[[Context], int] = args.func
    try:
        return func(ctx)
    except KeyboardInterrupt:
        _note("interrupted")
        return EXIT_INTERRUPTED
    except UsageError as exc:
        _note(f"error: {exc}")
        return EXIT_USAGE
    except ApiException as exc:
        _traceback(verbose)
        _note(f"error: {describe_error(exc)}")
        return EXIT_API
    except OpenApiException as exc:  # a value the SDK refused; usually before sending anything
        _traceback(verbose)
        _note(f"error: {exc}")
        return EXIT_API if isinstance(exc.__cause__, ApiException) else EXIT_USAGE
    except BrokenPipeError:  # e.g. `apivideo videos list | head -1`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_API
    except OSError as exc:
        _traceback(verbose)
        _note(f"error: {exc}")
        return EXIT_API


def _traceback(verbose: bool) -> None:
    if verbose:
        import traceback

        sys.stderr.write(redact(traceback.format_exc()))


if __name__ == "__main__":
    sys.exit(main())
