"""Fixtures of the per-API tests: one Api object per class, small upload files, ready-made resources.

The ``emu``/``client`` fixtures come from ``test/conftest.py`` (emulator reset before each test).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, List, Optional

import pytest

import apivideo
from apivideo.api.analytics_api import AnalyticsApi
from apivideo.api.captions_api import CaptionsApi
from apivideo.api.chapters_api import ChaptersApi
from apivideo.api.live_streams_api import LiveStreamsApi
from apivideo.api.player_themes_api import PlayerThemesApi
from apivideo.api.summaries_api import SummariesApi
from apivideo.api.tags_api import TagsApi
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.api.watermarks_api import WatermarksApi
from apivideo.api.webhooks_api import WebhooksApi
from apivideo.model.video import Video
from apivideo.model.video_creation_payload import VideoCreationPayload

# A JPEG that is only markers: start of image, a JFIF APP0 segment, end of image.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
CAPTION_VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello, world.\n"
CHAPTER_VTT = b"WEBVTT\n\nChapter 1\n00:00:00.000 --> 00:00:05.000\nIntroduction\n"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 4


def _png() -> bytes:
    """A valid 1x1 RGBA PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png()


@pytest.fixture
def files(tmp_path: Path) -> SimpleNamespace:
    """Paths of small upload files: thumbnail.jpg, logo.png, watermark.png, captions.vtt, chapters.vtt, clip.mp4."""
    out = {}
    for attr, name, data in (
        ("jpg", "thumbnail.jpg", JPEG),
        ("png", "logo.png", PNG),
        ("watermark", "watermark.png", PNG),
        ("caption", "captions.vtt", CAPTION_VTT),
        ("chapter", "chapters.vtt", CHAPTER_VTT),
        ("mp4", "clip.mp4", VIDEO_BYTES),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        out[attr] = path
    return SimpleNamespace(**out)


@pytest.fixture
def apis(client: apivideo.AuthenticatedApiClient) -> SimpleNamespace:
    """One instance of each of the 11 Api classes, all on the emulator client."""
    return SimpleNamespace(
        analytics=AnalyticsApi(client),
        captions=CaptionsApi(client),
        chapters=ChaptersApi(client),
        live_streams=LiveStreamsApi(client),
        player_themes=PlayerThemesApi(client),
        summaries=SummariesApi(client),
        tags=TagsApi(client),
        upload_tokens=UploadTokensApi(client),
        videos=VideosApi(client),
        watermarks=WatermarksApi(client),
        webhooks=WebhooksApi(client),
    )


@pytest.fixture
def make_video(apis: SimpleNamespace) -> Callable[..., Video]:
    """Create a video through the SDK: ``make_video("title", tags=[...], ...)``."""

    def make(title: str = "A video", **fields: Any) -> Video:
        return apis.videos.create(VideoCreationPayload(title=title, **fields))  # type: ignore[no-any-return]

    return make


@pytest.fixture
def video(make_video: Callable[..., Video]) -> Video:
    return make_video("Maths video", tags=["maths"])


@pytest.fixture
def sent(emu: Any) -> Callable[..., List[Any]]:
    """The emulator's request log, filtered: ``sent("PATCH")``, ``sent(path_end="/source")``."""

    def get(method: Optional[str] = None, path: Optional[str] = None, path_end: Optional[str] = None) -> List[Any]:
        return [
            r
            for r in emu.requests
            if (method is None or r.method == method)
            and (path is None or r.path == path)
            and (path_end is None or r.path.endswith(path_end))
        ]

    return get
