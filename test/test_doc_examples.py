"""Every ```python example of README.md and docs/ runs as written against the local emulator.

The pages are found on disk (README.md and every ``docs/**/*.md``), so a new page or a new example is run without
any change here. The placeholders are the ones docs/README.md states under "Examples":

- ``__API_KEY__`` becomes the emulator's key, and ``AuthenticatedApiClient``'s production and sandbox hosts point at
  the emulator; the literal ``http://127.0.0.1:8080`` (a local emulator) becomes the emulator's address;
- ``__VIDEO_ID__`` and the other ``__UPPER_CASE__`` names become the id of a fresh object of that kind (FACTORIES);
- ``"/path/to/NAME"`` becomes a real file of that name (a 5 MiB+ video, a small image, a WebVTT file: FILES).

The examples of a page run in order in one namespace, as in an interactive session that follows the page; line
numbers in a traceback are the page's. A ``test_*`` function that an example defines is called, as pytest would.
An example runs only if every request it sent was answered with a success: an example that swallows an API error
(``except ApiException: print(...)``) still fails here. An example whose first line is ``# not run: <reason>`` is
compiled only.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import apivideo
from apivideo import auth_api_client
from apivideo.configuration import Configuration
from apivideo.testing import Emulator

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
LOCAL_EMULATOR = "http://127.0.0.1:8080"
PYTHON_INFO = {"python", "py", "python3"}
NOT_RUN = re.compile(r"#\s*not run:(.*)$", re.I)
PLACEHOLDER = re.compile(r"\b__([A-Z][A-Z0-9_]*)__\b")
PATH = re.compile(r"""(["'])/path/to/([^"'\s]+)\1""")


@dataclass
class Block:
    page: str  # relative to the repository root
    line: int  # line of the first code line in the page (1-based)
    code: str
    not_run: Optional[str] = None  # the reason, for a block marked "# not run: <reason>"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def extract_blocks(text: str, page: str) -> List[Block]:
    """The fenced blocks whose info string starts with python (```python, ~~~py, ...), in page order."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)", lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).lower()
        end = i + 1
        while end < len(lines) and not re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[end]):
            end += 1
        if info in PYTHON_INFO:
            body = lines[i + 1 : end]
            first = next((ln.strip() for ln in body if ln.strip()), "")
            marker = NOT_RUN.match(first)
            reason = marker.group(1).strip() if marker else None
            if marker and not reason:
                raise ValueError(f"{page}:{i + 2}: '# not run:' needs a reason")
            blocks.append(Block(page, i + 2, "\n".join(body) + "\n", reason))
        i = end + 1
    return blocks


def _pages() -> List[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _page_blocks() -> Dict[str, List[Block]]:
    out: Dict[str, List[Block]] = {}
    for path in _pages():
        rel = path.relative_to(ROOT).as_posix()
        blocks = extract_blocks(path.read_text(encoding="utf-8"), rel)
        if blocks:
            out[rel] = blocks
    return out


PAGES = _page_blocks()


# --------------------------------------------------------------------------- the world the examples refer to

WEBVTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello\n"
FILES: Dict[str, Callable[[str], bytes]] = {
    ".vtt": lambda name: WEBVTT,
    ".jpg": lambda name: b"\xff\xd8\xff\xe0" + bytes(2048),
    ".jpeg": lambda name: b"\xff\xd8\xff\xe0" + bytes(2048),
    ".png": lambda name: b"\x89PNG\r\n\x1a\n" + bytes(2048),
}


def _video_bytes(name: str) -> bytes:
    """Over 5 MiB, so that any file may be a part of a progressive upload; distinct per name."""
    return name.encode().ljust(64, b".") * ((5 * MIB + 4096) // 64)


class World:
    """Makes the objects and files the placeholders stand for, through the SDK, on the emulator."""

    def __init__(self, emu: Emulator, files_dir: Path) -> None:
        self.emu = emu
        self.files_dir = files_dir
        config = Configuration(host=emu.host)
        self.client = apivideo.AuthenticatedApiClient(emu.api_key, configuration=config)

    def file(self, name: str) -> str:
        path = self.files_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(FILES.get(path.suffix.lower(), _video_bytes)(name))
        return str(path)

    def video(self) -> str:
        from apivideo.api.captions_api import CaptionsApi
        from apivideo.api.chapters_api import ChaptersApi
        from apivideo.api.videos_api import VideosApi
        from apivideo.model.video_creation_payload import VideoCreationPayload

        video_id: str = VideosApi(self.client).create(VideoCreationPayload(title="Example video")).video_id
        CaptionsApi(self.client).upload(video_id, "en", self.file("example.vtt"))
        ChaptersApi(self.client).upload(video_id, "en", self.file("example.vtt"))
        return video_id

    def discarded_video(self) -> str:
        from apivideo.api.videos_api import VideosApi

        video_id = self.video()
        VideosApi(self.client).delete(video_id)
        return video_id

    def live_stream(self) -> str:
        from apivideo.api.live_streams_api import LiveStreamsApi
        from apivideo.model.live_stream_creation_payload import LiveStreamCreationPayload

        payload = LiveStreamCreationPayload(name="Example live stream")
        return str(LiveStreamsApi(self.client).create(payload).live_stream_id)

    def player(self) -> str:
        from apivideo.api.player_themes_api import PlayerThemesApi
        from apivideo.model.player_theme_creation_payload import PlayerThemeCreationPayload

        return str(PlayerThemesApi(self.client).create(PlayerThemeCreationPayload(name="Example")).player_id)

    def watermark(self) -> str:
        from apivideo.api.watermarks_api import WatermarksApi

        return str(WatermarksApi(self.client).upload(self.file("example.png")).watermark_id)

    def webhook(self) -> str:
        from apivideo.api.webhooks_api import WebhooksApi
        from apivideo.model.webhooks_creation_payload import WebhooksCreationPayload

        payload = WebhooksCreationPayload(events=["video.encoding.quality.completed"], url="https://example.org/hook")
        return str(WebhooksApi(self.client).create(payload).webhook_id)

    def summary(self) -> str:
        from apivideo.api.summaries_api import SummariesApi
        from apivideo.model.summary_creation_payload import SummaryCreationPayload

        return str(SummariesApi(self.client).create(SummaryCreationPayload(video_id=self.video())).summary_id)

    def upload_token(self) -> str:
        from apivideo.api.upload_tokens_api import UploadTokensApi
        from apivideo.model.token_creation_payload import TokenCreationPayload

        return str(UploadTokensApi(self.client).create_token(TokenCreationPayload()).token)


FACTORIES: Dict[str, Callable[[World], str]] = {
    "VIDEO_ID": World.video,
    "DISCARDED_VIDEO_ID": World.discarded_video,
    "LIVE_STREAM_ID": World.live_stream,
    "PLAYER_ID": World.player,
    "WATERMARK_ID": World.watermark,
    "WEBHOOK_ID": World.webhook,
    "SUMMARY_ID": World.summary,
    "UPLOAD_TOKEN": World.upload_token,
}


def prepare(block: Block, world: World) -> str:
    """The block's code with every placeholder replaced; the line count is unchanged."""
    made: Dict[str, str] = {}

    def placeholder(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "API_KEY":
            return repr(world.emu.api_key)
        if name not in made:
            if name not in FACTORIES:
                pytest.fail(
                    f"{block.where}: no value for the placeholder __{name}__ (known: API_KEY, {', '.join(FACTORIES)})"
                )
            made[name] = FACTORIES[name](world)
        return repr(made[name])

    code = PLACEHOLDER.sub(placeholder, block.code)
    code = PATH.sub(lambda m: repr(world.file(m.group(2))), code)
    return code.replace(LOCAL_EMULATOR, world.emu.host)


def run_block(block: Block, world: World, namespace: Dict[str, Any]) -> None:
    source = "\n" * (block.line - 1) + prepare(block, world)  # tracebacks show the page's line numbers
    code = compile(source, block.page, "exec")
    if block.not_run is not None:
        return
    before = dict(namespace)
    start = len(world.emu.requests)
    exec(code, namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and inspect.isfunction(value) and before.get(name) is not value:
            required = [p for p in inspect.signature(value).parameters.values() if p.default is p.empty]
            assert not required, f"{block.where}: {name}() takes arguments; a doc example's test must take none"
            value()
    failed = [r for r in world.emu.requests[start:] if r.status is None or r.status >= 400]
    assert not failed, f"{block.where}: the example got errors: " + ", ".join(
        f"{r.method} {r.path} -> {r.status}" for r in failed
    )


# --------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("doc-files")


@pytest.fixture
def world(emu: Emulator, files_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # The worker processes an example starts (a process pool, a Dask cluster) inherit "-B" from this process and
    # cannot write bytecode: pointed at the suite's bytecode folder, they would compile what they import from source.
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    for environment in ("production", "sandbox"):
        monkeypatch.setitem(auth_api_client.HOST_ENVIRONMENT, environment, emu.host)
    w = World(emu, files_dir)
    with w.client:
        yield w


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_example_of_the_page_runs(page: str, world: World) -> None:
    namespace: Dict[str, Any] = {"__name__": "__doc_example__"}
    for block in PAGES[page]:
        run_block(block, world, namespace)


def test_the_readme_and_the_guides_have_examples() -> None:
    assert {"README.md", "docs/uploads.md", "docs/testing.md", "docs/VideosApi.md"} <= set(PAGES)


def test_blocks_are_found_by_their_info_string_and_the_not_run_marker_needs_a_reason() -> None:
    page = "\n".join(
        [
            "Text.",
            "```text",
            "upload(video_id: str, file: FileArg, **options) -> Video",
            "```",
            "````python",
            "print('four backticks')",
            "```",
            "````",
            "~~~py",
            "# not run: needs a request from api.video",
            "handle(request)",
            "~~~",
            "```bash",
            "apivideo demo",
            "```",
        ]
    )
    blocks = extract_blocks(page, "page.md")
    assert [(b.line, b.code, b.not_run) for b in blocks] == [
        (6, "print('four backticks')\n```\n", None),
        (10, "# not run: needs a request from api.video\nhandle(request)\n", "needs a request from api.video"),
    ]
    with pytest.raises(ValueError, match="page.md:2: '# not run:' needs a reason"):
        extract_blocks("```python\n# not run:\nx()\n```\n", "page.md")
