"""LiveStreamsApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable, List

import pytest

from apivideo.exceptions import BadRequestException, NotFoundException
from apivideo.model.live_stream import LiveStream
from apivideo.model.live_stream_creation_payload import LiveStreamCreationPayload
from apivideo.model.live_stream_list_response import LiveStreamListResponse
from apivideo.model.live_stream_update_payload import LiveStreamUpdatePayload
from apivideo.model.player_theme_creation_payload import PlayerThemeCreationPayload
from apivideo.model.restreams_request_object import RestreamsRequestObject
from apivideo.model.restreams_response_object import RestreamsResponseObject

YOUTUBE = RestreamsRequestObject(name="YouTube", server_url="rtmp://a.rtmp.youtube.com/live2", stream_key="yt-key")


@pytest.fixture
def live(apis: SimpleNamespace) -> LiveStream:
    return apis.live_streams.create(LiveStreamCreationPayload(name="Morning show"))  # type: ignore[no-any-return]


def test_create_then_get(apis: SimpleNamespace) -> None:
    player = apis.player_themes.create(PlayerThemeCreationPayload(name="Theme"))
    created = apis.live_streams.create(
        LiveStreamCreationPayload(name="Evening show", public=False, player_id=player.player_id, restreams=[YOUTUBE])
    )
    assert isinstance(created, LiveStream)
    assert created.live_stream_id.startswith("li")
    assert (created.name, created.public, created.player_id, created.broadcasting) == (
        "Evening show", False, player.player_id, False,
    )  # fmt: skip
    assert created.stream_key and created.stream_key not in repr(created)  # a secret: hidden in repr
    assert isinstance(created.restreams[0], RestreamsResponseObject)
    assert (created.restreams[0].name, created.restreams[0].server_url) == ("YouTube", YOUTUBE.server_url)
    assert created.assets.hls.endswith(f"{created.live_stream_id}.m3u8")
    assert apis.live_streams.get(created.live_stream_id) == created


def test_create_without_name_is_a_bad_request(apis: SimpleNamespace) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.live_streams.create(LiveStreamCreationPayload(name=""))
    assert info.value.name == "name"


def test_update_then_get(apis: SimpleNamespace, live: LiveStream) -> None:
    updated = apis.live_streams.update(
        live.live_stream_id, LiveStreamUpdatePayload(name="Renamed", public=False, restreams=[YOUTUBE])
    )
    assert isinstance(updated, LiveStream)
    again = apis.live_streams.get(live.live_stream_id)
    assert (again.name, again.public, [r.name for r in again.restreams]) == ("Renamed", False, ["YouTube"])
    assert again.stream_key == live.stream_key
    cleared = apis.live_streams.update(live.live_stream_id, LiveStreamUpdatePayload(restreams=[]))
    assert cleared.restreams == [] and cleared.name == "Renamed"


def test_delete_then_get_is_not_found(apis: SimpleNamespace, live: LiveStream) -> None:
    assert apis.live_streams.delete(live.live_stream_id) is None
    with pytest.raises(NotFoundException) as info:
        apis.live_streams.get(live.live_stream_id)
    assert info.value.name == "liveStreamId"
    assert apis.live_streams.list().data == []


@pytest.fixture
def lives(apis: SimpleNamespace) -> List[LiveStream]:
    return [apis.live_streams.create(LiveStreamCreationPayload(name=n)) for n in ("Charlie", "Alpha", "Bravo")]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({}, ["Charlie", "Alpha", "Bravo"]),
        ({"name": "Alpha"}, ["Alpha"]),
        ({"sort_by": "name", "sort_order": "asc"}, ["Alpha", "Bravo", "Charlie"]),
        ({"sort_by": "name", "sort_order": "desc"}, ["Charlie", "Bravo", "Alpha"]),
        ({"sort_by": "createdAt", "sort_order": "desc"}, ["Bravo", "Alpha", "Charlie"]),
        ({"sort_by": "name", "page_size": 2, "current_page": 2}, ["Charlie"]),
    ],
)
def test_list_filters_sorting_paging(
    apis: SimpleNamespace, lives: List[LiveStream], filters: dict, names: List[str]
) -> None:
    page = apis.live_streams.list(**filters)
    assert isinstance(page, LiveStreamListResponse)
    assert all(isinstance(x, LiveStream) for x in page.data)
    assert [x.name for x in page.data] == names


def test_list_by_stream_key(apis: SimpleNamespace, lives: List[LiveStream]) -> None:
    page = apis.live_streams.list(stream_key=lives[1].stream_key)
    assert [x.live_stream_id for x in page.data] == [lives[1].live_stream_id]
    assert page.pagination.items_total == 1


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_then_delete_thumbnail(
    apis: SimpleNamespace, files: SimpleNamespace, live: LiveStream, kind: str
) -> None:
    if kind == "file":
        with open(files.jpg, "rb") as fh:
            result = apis.live_streams.upload_thumbnail(live.live_stream_id, fh)
    else:
        result = apis.live_streams.upload_thumbnail(live.live_stream_id, str(files.jpg))
    assert isinstance(result, LiveStream)
    assert result.assets.thumbnail != live.assets.thumbnail
    assert apis.live_streams.get(live.live_stream_id).assets.thumbnail == result.assets.thumbnail
    removed = apis.live_streams.delete_thumbnail(live.live_stream_id)
    assert isinstance(removed, LiveStream)
    assert removed.assets.thumbnail == live.assets.thumbnail


def test_upload_thumbnail_wrong_extension(apis: SimpleNamespace, files: SimpleNamespace, live: LiveStream) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.live_streams.upload_thumbnail(live.live_stream_id, files.chapter)
    assert "extensions" in info.value.title


def test_complete(apis: SimpleNamespace, sent: Callable[..., list], live: LiveStream) -> None:
    assert apis.live_streams.complete(live.live_stream_id) is None
    (rec,) = sent("PUT")
    assert rec.path == f"/live-streams/{live.live_stream_id}/complete" and rec.status == 202
    assert apis.live_streams.get(live.live_stream_id).broadcasting is False
    with pytest.raises(NotFoundException):
        apis.live_streams.complete("li_missing")
