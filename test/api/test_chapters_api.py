"""ChaptersApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import pytest

from apivideo.exceptions import NotFoundException
from apivideo.model.chapter import Chapter
from apivideo.model.chapters_list_response import ChaptersListResponse
from apivideo.model.video import Video


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_then_get(apis: SimpleNamespace, files: SimpleNamespace, video: Video, kind: str) -> None:
    if kind == "file":
        with open(files.chapter, "rb") as fh:
            chapter = apis.chapters.upload(video.video_id, "en", fh)
            assert not fh.closed
    else:
        chapter = apis.chapters.upload(video.video_id, "en", files.chapter)
    assert isinstance(chapter, Chapter)
    assert chapter.language == "en"
    assert chapter.uri == f"/videos/{video.video_id}/chapters/en"
    assert chapter.src.endswith("/chapters/en.vtt")
    assert apis.chapters.get(video.video_id, "en") == chapter


def test_upload_sends_the_file(
    apis: SimpleNamespace, sent: Callable[..., list], files: SimpleNamespace, video: Video
) -> None:
    apis.chapters.upload(video.video_id, "en", str(files.chapter))
    (rec,) = sent("POST", path_end="/chapters/en")
    assert b'filename="chapters.vtt"' in rec.body and files.chapter.read_bytes() in rec.body


def test_delete_then_get_is_not_found(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    apis.chapters.upload(video.video_id, "en", files.chapter)
    assert apis.chapters.delete(video.video_id, "en") is None
    with pytest.raises(NotFoundException) as info:
        apis.chapters.get(video.video_id, "en")
    assert info.value.name == "language"
    assert apis.chapters.list(video.video_id).data == []


def test_list_and_paging(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    for lang in ("en", "fr", "it"):
        apis.chapters.upload(video.video_id, lang, files.chapter)
    result = apis.chapters.list(video.video_id)
    assert isinstance(result, ChaptersListResponse)
    assert [c.language for c in result.data] == ["en", "fr", "it"]
    page = apis.chapters.list(video.video_id, current_page=1, page_size=2)
    assert [c.language for c in page.data] == ["en", "fr"]
    assert page.pagination.pages_total == 2
    assert "next" in {link.rel for link in page.pagination.links}


def test_chapters_of_unknown_video(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException):
        apis.chapters.upload("vi_missing", "en", files.chapter)
    with pytest.raises(NotFoundException):
        apis.chapters.get("vi_missing", "en")
