"""CaptionsApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import pytest

from apivideo.exceptions import BadRequestException, NotFoundException
from apivideo.model.caption import Caption
from apivideo.model.captions_list_response import CaptionsListResponse
from apivideo.model.captions_update_payload import CaptionsUpdatePayload
from apivideo.model.video import Video


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_then_get(apis: SimpleNamespace, files: SimpleNamespace, video: Video, kind: str) -> None:
    if kind == "file":
        with open(files.caption, "rb") as fh:
            caption = apis.captions.upload(video.video_id, "fr", fh)
            assert not fh.closed
    else:
        caption = apis.captions.upload(video.video_id, "fr", str(files.caption))
    assert isinstance(caption, Caption)
    assert caption.srclang == "fr" and caption.language_name == "French"
    assert caption.uri == f"/videos/{video.video_id}/captions/fr"
    assert caption.src.endswith("/captions/fr.vtt")
    assert caption.default is False
    assert apis.captions.get(video.video_id, "fr") == caption


def test_upload_sends_the_file(
    apis: SimpleNamespace, sent: Callable[..., list], files: SimpleNamespace, video: Video
) -> None:
    apis.captions.upload(video.video_id, "en", files.caption)
    (rec,) = sent("POST", path_end="/captions/en")
    assert rec.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="captions.vtt"' in rec.body
    assert files.caption.read_bytes() in rec.body


def test_update_default_then_get(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    for lang in ("en", "fr"):
        apis.captions.upload(video.video_id, lang, files.caption)
    updated = apis.captions.update(video.video_id, "en", CaptionsUpdatePayload(default=True))
    assert isinstance(updated, Caption) and updated.default is True
    apis.captions.update(video.video_id, "fr", CaptionsUpdatePayload(default=True))
    assert apis.captions.get(video.video_id, "fr").default is True
    assert apis.captions.get(video.video_id, "en").default is False


def test_delete_then_get_is_not_found(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    apis.captions.upload(video.video_id, "en", files.caption)
    assert apis.captions.delete(video.video_id, "en") is None
    with pytest.raises(NotFoundException) as info:
        apis.captions.get(video.video_id, "en")
    assert info.value.name == "language"
    with pytest.raises(NotFoundException):
        apis.captions.delete(video.video_id, "en")


def test_list_and_paging(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    langs = ["en", "fr", "de"]
    for lang in langs:
        apis.captions.upload(video.video_id, lang, files.caption)
    everything = apis.captions.list(video.video_id)
    assert isinstance(everything, CaptionsListResponse)
    assert [c.srclang for c in everything.data] == langs
    assert all(isinstance(c, Caption) for c in everything.data)
    page = apis.captions.list(video.video_id, current_page=2, page_size=2)
    assert [c.srclang for c in page.data] == ["de"]
    assert (page.pagination.items_total, page.pagination.pages_total, page.pagination.current_page) == (3, 2, 2)


def test_invalid_language_is_a_bad_request(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.captions.upload(video.video_id, "f_r", files.caption)
    assert info.value.name == "language"


def test_captions_of_unknown_video(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException):
        apis.captions.list("vi_missing")
    with pytest.raises(NotFoundException):
        apis.captions.upload("vi_missing", "en", files.caption)


def test_language_is_one_path_segment(apis: SimpleNamespace, sent: Callable[..., list], video: Video) -> None:
    with pytest.raises(BadRequestException):  # the server saw one (invalid) language, not another route
        apis.captions.get(video.video_id, "en/../../x")
    (rec,) = sent("GET")
    assert rec.path == f"/videos/{video.video_id}/captions/en%2F..%2F..%2Fx"
