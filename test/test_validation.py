"""Programmer errors are raised before any request, and name the method and the argument."""

from __future__ import annotations

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.video_update_payload import VideoUpdatePayload


@pytest.fixture
def api(emu, client):
    api = VideosApi(client)
    emu.clear_requests()
    yield api
    assert emu.requests == [], "no request may be sent for a programmer error"


def test_unknown_keyword(api):
    with pytest.raises(apivideo.ApiTypeError, match=r"VideosApi.list\(\) got an unexpected keyword argument 'colour'"):
        api.list(colour="red")


def test_unknown_option_keyword(api):
    with pytest.raises(apivideo.ApiTypeError, match="_request_timout"):
        api.get("vi1", _request_timout=3)


def test_wrong_type(api):
    with pytest.raises(apivideo.ApiTypeError, match="'page_size'"):
        api.list(page_size="10")
    with pytest.raises(apivideo.ApiTypeError, match="'video_id'"):
        api.get(123)
    with pytest.raises(apivideo.ApiTypeError, match="'tags'"):
        api.list(tags="sport")


def test_invalid_enum(api):
    with pytest.raises(apivideo.ApiValueError, match=r"'sort_order'.*'up'.*asc, desc"):
        api.list(sort_order="up")


def test_out_of_range(api):
    with pytest.raises(apivideo.ApiValueError, match=r"'page_size'.*1000.*maximum 100"):
        api.list(page_size=1000)
    with pytest.raises(apivideo.ApiValueError, match="'current_page'"):
        api.list(current_page=0)


def test_missing_required_argument(api):
    with pytest.raises(TypeError, match="video_id"):
        api.get()  # type: ignore[call-arg]
    with pytest.raises(apivideo.ApiTypeError, match="'video_update_payload'"):
        api.update("vi1", None)  # type: ignore[arg-type]


def test_payload_type_and_required_fields_are_checked_at_construction():
    with pytest.raises(apivideo.ApiTypeError, match="title"):
        VideoCreationPayload()  # type: ignore[call-arg]
    with pytest.raises(apivideo.ApiTypeError, match=r"VideoUpdatePayload.public: expected bool, got str"):
        VideoUpdatePayload(public="yes")  # type: ignore[arg-type]
    with pytest.raises(apivideo.ApiTypeError, match="unexpected keyword argument 'titel'"):
        VideoUpdatePayload(titel="x")


def test_wrong_payload_class(api):
    with pytest.raises(apivideo.ApiTypeError, match="'video_creation_payload'"):
        api.create(VideoUpdatePayload(title="x"))  # type: ignore[arg-type]


def test_client_side_validation_can_be_turned_off(emu, client):
    client.configuration.client_side_validation = False
    with pytest.raises(apivideo.BadRequestException) as info:
        VideosApi(client).list(sort_order="up")
    assert info.value.status == 400
