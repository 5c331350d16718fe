"""The commands other than ``upload``: videos, upload tokens, the local emulator and the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List, Sequence

from apivideo.cli._args import examples
from apivideo.cli._context import EXIT_OK, EXIT_USAGE, Context, UsageError
from apivideo.cli._output import note, print_json, print_table, when, yes_no
from apivideo.cli._upload import video_fields

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.model.upload_token import UploadToken
    from apivideo.model.video import Video


def _list(
    ctx: Context,
    fetcher: Callable[[ApiClient], Callable[..., Any]],
    noun: str,
    headers: Sequence[str],
    row: Callable[[Any], List[str]],
) -> int:
    """One page of a list (``--page N``, with a hint when there are more), or every page (``--all``)."""
    from apivideo.pagination import paginate

    args = ctx.args
    filters = ctx.sdk_values()
    current_page = filters.pop("current_page", 1)
    if "metadata" in filters:
        filters["metadata"] = dict(filters["metadata"])
    with ctx.client() as client:
        fetch = fetcher(client)
        if args.all:
            items = list(paginate(fetch, **filters))
        else:
            page = fetch(current_page=current_page, **filters)
            items = list(page.data)
            info = page.pagination
            if not args.json and info is not None and (info.pages_total or 0) > 1:
                note(
                    f"page {info.current_page} of {info.pages_total} ({info.items_total} {noun});"
                    " --page N for another, --all for every page"
                )
    if args.json:
        print_json([item.to_wire() for item in items])
    elif items:
        print_table(headers, [row(item) for item in items])
    else:
        note(f"no {noun}")
    return EXIT_OK


# -- videos --------------------------------------------------------------------------------------------------------


def _videos(client: ApiClient) -> Any:
    from apivideo.api.videos_api import VideosApi

    return VideosApi(client)


def _video_row(video: Video) -> List[str]:
    return [video.video_id, video.title or "", when(video.created_at), yes_no(video.public)]


def cmd_videos_list(ctx: Context) -> int:
    return _list(ctx, lambda c: _videos(c).list, "videos", ("ID", "TITLE", "CREATED", "PUBLIC"), _video_row)


def _print_video(ctx: Context, video: Video) -> None:
    if ctx.args.json:
        print_json(video.to_wire())
        return
    assets = video.assets
    lines = [
        ("id", video.video_id),
        ("title", video.title or ""),
        ("description", video.description or ""),
        ("created", when(video.created_at)),
        ("updated", when(video.updated_at)),
        ("public", yes_no(video.public)),
        ("tags", ", ".join(video.tags or [])),
        ("metadata", ", ".join(f"{m.key}={m.value}" for m in video.metadata or [])),
        ("player", (assets.player if assets else None) or ""),
        ("hls", (assets.hls if assets else None) or ""),
        ("thumbnail", (assets.thumbnail if assets else None) or ""),
    ]
    for name, value in lines:
        print(f"{name + ':':<13}{value}".rstrip())


def cmd_videos_get(ctx: Context) -> int:
    with ctx.client() as client:
        _print_video(ctx, _videos(client).get(ctx.args.video_id))
    return EXIT_OK


def cmd_videos_status(ctx: Context) -> int:
    with ctx.client() as client:
        status = _videos(client).get_status(ctx.args.video_id)
    if ctx.args.json:
        print_json(status.to_wire())
        return EXIT_OK
    ingest, encoding = status.ingest, status.encoding
    received = f" ({ingest.filesize} bytes)" if ingest is not None and ingest.filesize is not None else ""
    qualities = ", ".join(
        " ".join(str(part) for part in (q.type, q.quality, q.status) if part)
        for q in ((encoding.qualities if encoding else None) or [])
    )
    print(f"ingest:      {(ingest.status if ingest else None) or 'unknown'}{received}")
    print(f"playable:    {yes_no(encoding.playable if encoding else None) or 'unknown'}")
    print(f"qualities:   {qualities}".rstrip())
    return EXIT_OK


def cmd_videos_update(ctx: Context) -> int:
    from apivideo.model.video_update_payload import VideoUpdatePayload

    fields = video_fields(ctx)
    if not fields:
        raise UsageError("nothing to update: give --title, --description, --tag, --metadata, --public or --private")
    with ctx.client() as client:
        _print_video(ctx, _videos(client).update(ctx.args.video_id, VideoUpdatePayload(**fields)))
    return EXIT_OK


def cmd_videos_delete(ctx: Context) -> int:
    with ctx.client() as client:
        _videos(client).delete(ctx.args.video_id)
    if ctx.args.json:
        print_json({"videoId": ctx.args.video_id, "deleted": True})
    else:
        note(f"deleted video {ctx.args.video_id}")
    return EXIT_OK


# -- upload tokens -------------------------------------------------------------------------------------------------


def _tokens(client: ApiClient) -> Any:
    from apivideo.api.upload_tokens_api import UploadTokensApi

    return UploadTokensApi(client)


def _token_row(token: UploadToken) -> List[str]:
    return [token.token or "", when(token.created_at), when(token.expires_at) or "never", str(token.ttl or "")]


def cmd_tokens_create(ctx: Context) -> int:
    from apivideo.model.token_creation_payload import TokenCreationPayload

    with ctx.client() as client:
        token = _tokens(client).create_token(TokenCreationPayload(**ctx.sdk_values()))
    if ctx.args.json:
        print_json(token.to_wire())
    else:
        print(token.token)
        note(f"expires: {when(token.expires_at) or 'never'}")
    return EXIT_OK


def cmd_tokens_list(ctx: Context) -> int:
    return _list(ctx, lambda c: _tokens(c).list, "upload tokens", ("TOKEN", "CREATED", "EXPIRES", "TTL"), _token_row)


def cmd_tokens_delete(ctx: Context) -> int:
    with ctx.client() as client:
        _tokens(client).delete_token(ctx.args.upload_token)
    if ctx.args.json:
        print_json({"token": ctx.args.upload_token, "deleted": True})
    else:
        note("deleted the upload token")
    return EXIT_OK


# -- the emulator and the demo -------------------------------------------------------------------------------------


def _entry(module: str, name: str) -> Callable[..., int]:
    """A function of a module loaded at run time (the emulator package is not part of the typed surface)."""
    import importlib

    func: Callable[..., int] = getattr(importlib.import_module(module), name)
    return func


def cmd_emulator(ctx: Context) -> int:
    """Everything after ``emulator`` goes to the emulator's own command line. The user's API key never does."""
    run = _entry("apivideo.testing.__main__", "main")
    try:
        return run(ctx.extra)
    except SystemExit as exc:  # its --help, or a usage error it has already reported
        code = exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
        if code == EXIT_OK:
            print("\n" + examples(ctx.command.examples))
        return code


def cmd_demo(ctx: Context) -> int:
    return _entry("apivideo.demo", "run")()
