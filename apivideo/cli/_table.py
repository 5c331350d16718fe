"""Every command of ``apivideo`` and its arguments, declared once. The parser is built from this table."""

from __future__ import annotations

from typing import Optional, Tuple

from apivideo.cli import _commands as c
from apivideo.cli._args import Arg, Command, Group, int_range, key_value, rate, seconds, size_range, url
from apivideo.cli._batch import cmd_upload
from apivideo.cli._context import ENV_API_KEY

MIB = 1024 * 1024
# The API's limits, as the SDK checks them (a test keeps these equal to the SDK's values).
CHUNK_SIZE_RANGE = (5 * MIB, 128 * MIB)
CONCURRENCY_RANGE = (1, 16)
JOBS_RANGE = (1, 16)
PAGE_SIZE_RANGE = (1, 100)
TTL_RANGE = (0, 2**31 - 1)

DESCRIPTION = "Upload and manage api.video videos from the command line."
EPILOG = """examples:
  export APIVIDEO_API_KEY=...        # or pass --api-key
  apivideo upload clip.mp4 --title 'Launch' --tag launch
  apivideo upload ~/Videos --recursive --include '*.mp4' --jobs 4
  apivideo videos list --tag launch --all
  apivideo videos get vi4k0jvEUuaTdRAEjQ4Jfrgz --json --sandbox
  apivideo emulator --port 8080     # then: apivideo --host http://127.0.0.1:8080 --api-key KEY ...
  apivideo demo

Global options are accepted before the command and after it.
exit status: 0 success, 1 API or network error, 2 usage error, 130 interrupted"""

GLOBAL_ARGS = (
    Arg("--api-key", f"your api.video API key (default: ${ENV_API_KEY})", metavar="KEY", default=None),
    Arg("--sandbox", "use the sandbox environment instead of production", action="store_true"),
    Arg("--host", "API root URL, e.g. the emulator's http://127.0.0.1:8080", metavar="URL", type=url),
    Arg("--allow-insecure-http", "send credentials to a plain http:// host elsewhere (trusted networks only)",
        action="store_true"),
    Arg("--json", "print the result as JSON on stdout", action="store_true"),
    Arg("--verbose", "log each request on stderr and show tracebacks on errors", action="store_true"),
)  # fmt: skip


def _video_fields(title: str, title_group: Optional[str] = None) -> Tuple[Arg, ...]:
    return (
        Arg("--title", title, sdk="title", group=title_group),
        Arg("--description", "description of the video", sdk="description"),
        Arg("--tag", "a tag (repeat the option for several)", action="append", metavar="TAG", sdk="tags"),
        Arg("--metadata", "a metadata pair (repeatable)", action="append", type=key_value, metavar="KEY=VALUE",
            sdk="metadata"),
        Arg("--public", "anyone can watch it", dest="public", action="store_const", const=True, group="public",
            sdk="public"),
        Arg("--private", "watch it only with a private token", dest="public", action="store_const", const=False,
            group="public", sdk="public"),
    )  # fmt: skip


def _paging(noun: str, sort_keys: Tuple[str, ...]) -> Tuple[Arg, ...]:
    low, high = PAGE_SIZE_RANGE
    return (
        Arg("--sort-by", "sort key", choices=sort_keys, sdk="sort_by"),
        Arg("--sort-order", "sort direction", choices=("asc", "desc"), sdk="sort_order"),
        Arg("--page-size", f"{noun} per page, {low} to {high} (the API's default: 25)", type=int_range(low, high),
            metavar="N", sdk="page_size"),
        Arg("--page", "which page to show (default 1)", type=int_range(1), default=1, metavar="N", group="page",
            sdk="current_page"),
        Arg("--all", "walk every page", action="store_true", group="page"),
    )  # fmt: skip


VIDEO_ID = Arg("video_id", "the video id", metavar="ID")
VIDEO_FILTERS = (
    Arg("--title", "only videos with this title", sdk="title"),
    Arg("--tag", "only videos with this tag (repeatable)", action="append", metavar="TAG", sdk="tags"),
    Arg("--metadata", "only videos with this metadata (repeatable)", action="append", type=key_value,
        metavar="KEY=VALUE", sdk="metadata"),
    *_paging("videos", ("title", "createdAt", "publishedAt", "updatedAt")),
)  # fmt: skip
TTL = Arg("--ttl", "lifetime in seconds (default, or 0: valid until deleted)", type=int_range(*TTL_RANGE),
          metavar="SECONDS", sdk="ttl")  # fmt: skip

UPLOAD_ARGS = (
    Arg("paths", "video files and folders to send, or - for standard input", metavar="PATH", nargs="+"),
    Arg("--recursive", "take the files of the folders' subfolders too", action="store_true"),
    Arg("--include", "only files whose name matches PATTERN, e.g. '*.mp4' (repeatable)", action="append",
        metavar="PATTERN"),
    Arg("--jobs", "files uploaded at the same time, {} to {} (default 1)".format(*JOBS_RANGE),
        type=int_range(*JOBS_RANGE), metavar="N"),
    *_video_fields("title of the video, for one file (default: from the file name)", title_group="title"),
    Arg("--title-template", "title of each video, from {stem}, {name}, {folder} or {title} of its file (default:"
        " {title}, the name without extension, _ and - read as spaces)", metavar="TEMPLATE", group="title"),
    Arg("--token", "upload with this upload token instead of the API key", metavar="UPLOAD_TOKEN"),
    Arg("--chunk-size", "bytes per request, 5M to 128M, e.g. 10M, 10MiB or 10485760 (default 50MiB)",
        type=size_range(*CHUNK_SIZE_RANGE), metavar="SIZE", setting="chunk_size"),
    Arg("--concurrency", "chunks of a file sent in parallel, {} to {} (default 1)".format(*CONCURRENCY_RANGE),
        type=int_range(*CONCURRENCY_RANGE), metavar="N", setting="upload_concurrency"),
    Arg("--max-bandwidth", "at most RATE bytes per second for the whole command, e.g. 2M (shared by the files"
        " and the chunks in flight)", type=rate, metavar="RATE"),
    Arg("--no-verify", "skip the check that the server holds every byte of a file sent in chunks",
        action="store_true"),
    Arg("--wait", "after each upload, wait until the video is playable", action="store_true"),
    Arg("--wait-timeout", "give up waiting after SECONDS (default 600)", type=seconds, metavar="SECONDS"),
    Arg("--no-journal", "keep no record of unfinished uploads (a rerun then starts over)", action="store_true",
        group="journal"),
    Arg("--journal-dir", "where unfinished uploads are recorded (default: $XDG_STATE_HOME/apivideo/uploads, else"
        " ~/.local/state/apivideo/uploads)", metavar="DIR", group="journal"),
    Arg("--resume", "continue an upload of one file into this video: send what the server is missing (with"
        " --token: the whole file again)", metavar="VIDEO_ID"),
    # --skip-existing goes here: leave out files already on api.video, found by a fingerprint kept in the video's
    # metadata. The lookup belongs to apivideo.library; the option is added when the library has it.
    Arg("--dry-run", "list what would be sent, and to which video, without sending anything", action="store_true"),
)  # fmt: skip

UPLOAD = Command(
    "upload",
    cmd_upload,
    "upload files or a folder, one video per file",
    description="Create a video per file and upload the file to it (in chunks when large), a few files at a time"
    " with --jobs, with progress on stderr. An upload that stops (Ctrl-C, a failure, a crash) is recorded in a"
    " local journal: running the same command again continues it in the same video, sending only what the"
    " server is missing. A single file PATH prints its video id and player URL; several PATHs or a folder"
    " print a summary table (--json: as JSON). PATH may be - (standard input) or a named pipe, alone: the video"
    " is then sent in parts as it arrives.",
    examples=(
        "apivideo upload clip.mp4",
        "apivideo upload talk.mov --title 'Keynote' --tag conf --metadata room=A --private",
        "apivideo upload ~/Videos --recursive --include '*.mp4' --include '*.mov' --jobs 4",
        "apivideo upload a.mp4 b.mp4 --title-template 'Course: {stem}' --wait",
        "apivideo upload big.mp4 --chunk-size 64MiB --concurrency 4 --max-bandwidth 20M",
        "apivideo upload ~/Videos --recursive --dry-run    # what would be sent, and what continues",
        "ffmpeg -i talk.mov -f mp4 -movflags frag_keyframe+empty_moov - | apivideo upload - --title Keynote",
        "apivideo upload clip.mp4 --token to1tcmSFHeYY5KzyhOqVKMKb     # no API key needed",
        "apivideo upload clip.mp4 --json | jq -r .assets.player",
    ),
    args=UPLOAD_ARGS,
)

VIDEOS = Group(
    "videos",
    "list, show, update and delete videos",
    examples=(
        "apivideo videos list --tag sport --sort-by createdAt --sort-order desc",
        "apivideo videos get vi4k0jvEUuaTdRAEjQ4Jfrgz",
        "apivideo videos update vi4k0jvEUuaTdRAEjQ4Jfrgz --title 'New title' --public",
    ),
    commands=(
        Command(
            "list",
            c.cmd_videos_list,
            "list videos",
            description="List videos, one page by default, every page with --all.",
            examples=(
                "apivideo videos list",
                "apivideo videos list --title Keynote --tag conf --tag 2024 --metadata room=A",
                "apivideo videos list --sort-by title --sort-order asc --page-size 100 --all",
                "apivideo videos list --all --json | jq -r '.[].videoId'",
            ),
            args=VIDEO_FILTERS,
        ),
        Command(
            "get",
            c.cmd_videos_get,
            "show one video",
            examples=("apivideo videos get vi4k0jvEUuaTdRAEjQ4Jfrgz", "apivideo videos get VIDEO_ID --json"),
            args=(VIDEO_ID,),
        ),
        Command(
            "status",
            c.cmd_videos_status,
            "show the upload and encoding status of a video",
            examples=("apivideo videos status vi4k0jvEUuaTdRAEjQ4Jfrgz", "apivideo videos status VIDEO_ID --json"),
            args=(VIDEO_ID,),
        ),
        Command(
            "update",
            c.cmd_videos_update,
            "change attributes of a video",
            description="Change the given attributes of a video; the others are left as they are. --tag and"
            " --metadata replace the whole list.",
            examples=(
                "apivideo videos update vi4k0jvEUuaTdRAEjQ4Jfrgz --title 'Final cut'",
                "apivideo videos update VIDEO_ID --tag a --tag b --metadata lang=en --private",
            ),
            args=(VIDEO_ID, *_video_fields("title of the video")),
        ),
        Command(
            "delete",
            c.cmd_videos_delete,
            "delete a video",
            examples=("apivideo videos delete vi4k0jvEUuaTdRAEjQ4Jfrgz",),
            args=(VIDEO_ID,),
        ),
    ),
)

TOKENS = Group(
    "tokens",
    "create, list and delete upload tokens",
    description="Upload tokens let someone upload videos without your API key.",
    examples=(
        "apivideo tokens create --ttl 3600",
        "apivideo tokens list",
        "apivideo tokens delete to1tcmSFHeYY5KzyhOqVKMKb",
    ),
    commands=(
        Command(
            "create",
            c.cmd_tokens_create,
            "create an upload token",
            description="Create an upload token and print it.",
            examples=(
                "apivideo tokens create                 # valid until deleted",
                "apivideo tokens create --ttl 86400     # valid for one day",
                "TOKEN=$(apivideo tokens create --json | jq -r .token)",
            ),
            args=(TTL,),
        ),
        Command(
            "list",
            c.cmd_tokens_list,
            "list upload tokens",
            description="List upload tokens, one page by default, every page with --all.",
            examples=(
                "apivideo tokens list",
                "apivideo tokens list --sort-by ttl --page-size 10 --page 2",
                "apivideo tokens list --all --json",
            ),
            args=_paging("tokens", ("createdAt", "ttl")),
        ),
        Command(
            "delete",
            c.cmd_tokens_delete,
            "delete an upload token",
            description="Delete an upload token: uploads with it are refused from then on.",
            examples=("apivideo tokens delete to1tcmSFHeYY5KzyhOqVKMKb",),
            args=(Arg("upload_token", "the upload token", metavar="TOKEN"),),
        ),
    ),
)

EMULATOR = Command(
    "emulator",
    c.cmd_emulator,
    "run a local api.video emulator until Ctrl-C",
    description="Serve the local api.video emulator on 127.0.0.1 until Ctrl-C, and print its host and API key."
    " Every argument goes to the emulator's own command line (the same as python -m apivideo.testing).",
    examples=(
        "apivideo emulator --port 8080",
        "apivideo emulator --port 8080 --api-key my-local-key --sink   # keep only the hash of each upload",
        "apivideo --host http://127.0.0.1:8080 --api-key my-local-key videos list   # in another shell",
    ),
    passthrough=True,
)

DEMO = Command(
    "demo",
    c.cmd_demo,
    "run an end-to-end demo against the local emulator",
    description="Start the emulator, then authenticate, create a video, upload a file in chunks, read its status,"
    " list and delete, narrating each step. Nothing leaves this machine.",
    examples=("apivideo demo",),
)

COMMANDS = (UPLOAD, VIDEOS, TOKENS, EMULATOR, DEMO)
