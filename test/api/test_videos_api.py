"""VideosApi over HTTP against the emulator: every public method, state changes seen through other calls."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

from apivideo.exceptions import ApiValueError, BadRequestException, NotFoundException
from apivideo.model.discarded_video_update_payload import DiscardedVideoUpdatePayload
from apivideo.model.metadata import Metadata
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video import Video
from apivideo.model.video_status import VideoStatus
from apivideo.model.video_thumbnail_pick_payload import VideoThumbnailPickPayload
from apivideo.model.video_update_payload import VideoUpdatePayload
from apivideo.model.videos_list_response import VideosListResponse


def _open_or_path(kind: str, path: Path) -> Any:
    return open(path, "rb") if kind == "file" else str(path)


def test_create_returns_the_video(apis: SimpleNamespace, make_video: Callable[..., Video]) -> None:
    video = make_video(
        "Maths video", description="String theory", public=False, tags=["maths", "physics"],
        metadata=[Metadata(key="Author", value="John Doe")], language="en",
    )  # fmt: skip
    assert isinstance(video, Video)
    assert video.video_id.startswith("vi")
    assert (video.title, video.description, video.public) == ("Maths video", "String theory", False)
    assert video.tags == ["maths", "physics"]
    assert isinstance(video.metadata[0], Metadata)
    assert (video.metadata[0].key, video.metadata[0].value) == ("Author", "John Doe")
    assert video.language == "en" and video.language_origin == "api"
    assert video.created_at is not None and video.created_at.tzinfo is not None
    assert video.assets.player.endswith(video.video_id)
    assert apis.videos.get(video.video_id) == video


def test_get_unknown_video_raises_not_found(apis: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException) as info:
        apis.videos.get("vi_missing")
    assert info.value.status == 404
    assert info.value.name == "videoId"


def test_update_then_get(apis: SimpleNamespace, video: Video) -> None:
    updated = apis.videos.update(
        video.video_id,
        VideoUpdatePayload(title="New title", tags=["x"], metadata=[Metadata(key="k", value="v")], public=False),
    )
    assert isinstance(updated, Video)
    assert (updated.title, updated.tags, updated.public) == ("New title", ["x"], False)
    assert updated.description == video.description  # fields not sent are left alone
    again = apis.videos.get(video.video_id)
    assert (again.title, again.tags, again.public) == ("New title", ["x"], False)
    assert again.metadata == [Metadata(key="k", value="v")]


def test_update_sends_only_the_fields_given(
    sent: Callable[..., list], apis: SimpleNamespace, emu: Any, video: Video
) -> None:
    apis.videos.update(video.video_id, VideoUpdatePayload(description=None, title="T"))
    (rec,) = sent("PATCH")
    assert rec.body == b'{"title":"T","description":null}'


def test_delete_then_get_is_not_found_and_discarded(apis: SimpleNamespace, video: Video) -> None:
    assert apis.videos.delete(video.video_id) is None
    with pytest.raises(NotFoundException):
        apis.videos.get(video.video_id)
    discarded = apis.videos.get_discarded(video.video_id)
    assert isinstance(discarded, Video)
    assert discarded.discarded is True and discarded.deletes_at > discarded.discarded_at
    listed = apis.videos.list_discarded()
    assert [v.video_id for v in listed.data] == [video.video_id]
    assert apis.videos.list().data == []


def test_update_discarded_restores_the_video(apis: SimpleNamespace, video: Video) -> None:
    apis.videos.delete(video.video_id)
    restored = apis.videos.update_discarded(video.video_id, DiscardedVideoUpdatePayload(discarded=False))
    assert isinstance(restored, Video) and restored.discarded is False
    assert apis.videos.get(video.video_id).title == video.title
    with pytest.raises(NotFoundException):
        apis.videos.get_discarded(video.video_id)


def test_get_discarded_of_live_video_is_not_found(apis: SimpleNamespace, video: Video) -> None:
    with pytest.raises(NotFoundException):
        apis.videos.get_discarded(video.video_id)


@pytest.fixture
def library(make_video: Callable[..., Video]) -> list:
    return [
        make_video("Cats", description="cute animals", tags=["pets", "cats"],
                   metadata=[Metadata(key="Author", value="Ann")]),
        make_video("Dogs", description="loyal animals", tags=["pets"], metadata=[Metadata(key="Author", value="Bob")]),
        make_video("Algebra", description="maths course", tags=["maths"]),
        make_video("Birds", description="flying animals", tags=["pets", "birds"]),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        ({}, ["Cats", "Dogs", "Algebra", "Birds"]),
        ({"title": "Dogs"}, ["Dogs"]),
        ({"tags": ["pets"]}, ["Cats", "Dogs", "Birds"]),
        ({"tags": ["pets", "cats"]}, ["Cats"]),
        ({"metadata": {"Author": "Bob"}}, ["Dogs"]),
        ({"description": "animals", "tags": ["pets"]}, ["Cats", "Dogs", "Birds"]),
        ({"sort_by": "title", "sort_order": "asc"}, ["Algebra", "Birds", "Cats", "Dogs"]),
        ({"sort_by": "title", "sort_order": "desc"}, ["Dogs", "Cats", "Birds", "Algebra"]),
        ({"sort_by": "createdAt", "sort_order": "desc"}, ["Birds", "Algebra", "Dogs", "Cats"]),
        ({"live_stream_id": "li_none"}, []),
    ],
)
def test_list_filters_and_sorting(apis: SimpleNamespace, library: list, filters: dict, titles: list) -> None:
    page = apis.videos.list(**filters)
    assert isinstance(page, VideosListResponse)
    assert all(isinstance(v, Video) for v in page.data)
    assert [v.title for v in page.data] == titles
    assert page.pagination.items_total == len(titles)


def test_list_paging(apis: SimpleNamespace, library: list) -> None:
    page = apis.videos.list(sort_by="title", sort_order="asc", page_size=3, current_page=2)
    assert [v.title for v in page.data] == ["Dogs"]
    p = page.pagination
    assert (p.items_total, p.pages_total, p.page_size, p.current_page, p.current_page_items) == (4, 2, 3, 2, 1)
    rels = {link.rel for link in p.links}
    assert {"self", "first", "previous", "last"} <= rels and "next" not in rels


def test_list_discarded_filters_and_sorting(apis: SimpleNamespace, library: list) -> None:
    for v in library:
        apis.videos.delete(v.video_id)
    page = apis.videos.list_discarded(tags=["pets"], sort_by="title", sort_order="desc", page_size=2)
    assert [v.title for v in page.data] == ["Dogs", "Cats"]
    assert page.pagination.items_total == 3 and page.pagination.pages_total == 2
    assert all(v.discarded for v in page.data)


def test_list_arguments_are_checked_before_sending(apis: SimpleNamespace, emu: Any) -> None:
    emu.clear_requests()
    with pytest.raises(ApiValueError, match="sort_order"):
        apis.videos.list(sort_order="up")
    with pytest.raises(ApiValueError, match="page_size"):
        apis.videos.list(page_size=101)
    assert emu.requests == []


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_source(
    sent: Callable[..., list], apis: SimpleNamespace, emu: Any, files: SimpleNamespace, video: Video, kind: str
) -> None:
    arg = _open_or_path(kind, files.mp4)
    try:
        uploaded = apis.videos.upload(video.video_id, arg)
    finally:
        if kind == "file":
            assert not arg.closed  # the SDK never closes a file the caller opened
            arg.close()
    assert isinstance(uploaded, Video) and uploaded.video_id == video.video_id
    assert uploaded.source.type == "upload"
    assert emu.source_bytes(video.video_id) == files.mp4.read_bytes()
    (rec,) = sent(path_end="/source")
    assert b'filename="clip.mp4"' in rec.body


def test_status_before_and_after_upload(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    status = apis.videos.get_status(video.video_id)
    assert isinstance(status, VideoStatus)
    assert status.encoding.playable is False and status.ingest.status is None
    apis.videos.upload(video.video_id, files.mp4)
    status = apis.videos.get_status(video.video_id)
    assert status.ingest.status == "uploaded"
    assert status.ingest.filesize == files.mp4.stat().st_size
    assert status.encoding.playable is True
    assert {q.quality for q in status.encoding.qualities} >= {"720p"}
    assert status.encoding.metadata.width == 1280


def test_upload_to_unknown_video_is_not_found(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException):
        apis.videos.upload("vi_missing", files.mp4)


def test_progressive_session(
    sent: Callable[..., list], apis: SimpleNamespace, emu: Any, files: SimpleNamespace, video: Video
) -> None:
    session = apis.videos.create_upload_progressive_session(video.video_id)
    data = files.mp4.read_bytes()
    with open(files.mp4, "rb") as fh:
        result = session.upload_last_part(fh)
    assert isinstance(result, Video) and result.video_id == video.video_id
    assert emu.source_bytes(video.video_id) == data
    (rec,) = sent(path_end="/source")
    assert rec.headers["Content-Range"] == "part 1/1"


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_thumbnail(apis: SimpleNamespace, files: SimpleNamespace, video: Video, kind: str) -> None:
    arg = _open_or_path(kind, files.jpg)
    try:
        result = apis.videos.upload_thumbnail(video.video_id, arg)
    finally:
        if kind == "file":
            arg.close()
    assert isinstance(result, Video)
    assert result.assets.thumbnail != video.assets.thumbnail
    assert apis.videos.get(video.video_id).assets.thumbnail == result.assets.thumbnail


def test_upload_thumbnail_wrong_extension(apis: SimpleNamespace, files: SimpleNamespace, video: Video) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.videos.upload_thumbnail(video.video_id, files.caption)
    assert info.value.name == "file"


def test_pick_thumbnail(apis: SimpleNamespace, video: Video) -> None:
    result = apis.videos.pick_thumbnail(video.video_id, VideoThumbnailPickPayload(timecode="00:00:01.00"))
    assert isinstance(result, Video)
    assert result.assets.thumbnail != video.assets.thumbnail
    with pytest.raises(ApiValueError, match="timecode"):
        apis.videos.pick_thumbnail(video.video_id, VideoThumbnailPickPayload(timecode="1 second"))


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_with_upload_token_creates_a_video(
    sent: Callable[..., list], apis: SimpleNamespace, emu: Any, files: SimpleNamespace, kind: str
) -> None:
    token = apis.upload_tokens.create_token(TokenCreationPayload(ttl=60)).token
    arg = _open_or_path(kind, files.mp4)
    try:
        video = apis.videos.upload_with_upload_token(token, arg)
    finally:
        if kind == "file":
            arg.close()
    assert isinstance(video, Video) and video.title == "clip.mp4"
    assert emu.source_bytes(video.video_id) == files.mp4.read_bytes()
    (rec,) = sent(path="/upload")
    assert rec.query == [("token", token)]
    assert "Authorization" not in rec.headers  # the token is the credential
    assert apis.videos.get(video.video_id).video_id == video.video_id


def test_upload_with_upload_token_into_existing_video(
    sent: Callable[..., list], apis: SimpleNamespace, emu: Any, files: SimpleNamespace, video: Video
) -> None:
    token = apis.upload_tokens.create_token(TokenCreationPayload()).token
    result = apis.videos.upload_with_upload_token(token, files.mp4, video_id=video.video_id)
    assert result.video_id == video.video_id
    assert [v.video_id for v in apis.videos.list().data] == [video.video_id]
    (rec,) = sent(path="/upload")
    assert f'name="videoId"\r\n\r\n{video.video_id}'.encode() in rec.body


def test_upload_with_unknown_token_is_not_found(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException) as info:
        apis.videos.upload_with_upload_token("to_missing", files.mp4)
    assert info.value.name == "token"


def test_token_progressive_session(apis: SimpleNamespace, emu: Any, files: SimpleNamespace, video: Video) -> None:
    token = apis.upload_tokens.create_token(TokenCreationPayload()).token
    session = apis.videos.create_upload_with_upload_token_progressive_session(token, video.video_id)
    result = session.upload_last_part(str(files.mp4))
    assert isinstance(result, Video) and result.video_id == video.video_id
    assert emu.source_bytes(video.video_id) == files.mp4.read_bytes()
