"""Models: decoding, encoding, presence of fields, and what users see of them."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import apivideo
from apivideo.model.access_token import AccessToken
from apivideo.model.metadata import Metadata
from apivideo.model.video import Video
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.video_update_payload import VideoUpdatePayload
from apivideo.model.videos_list_response import VideosListResponse

PAYLOAD = Path(__file__).resolve().parents[1] / "spec" / "payloads" / "videos" / "get" / "responses" / "200.json"
VIDEO = json.loads(PAYLOAD.read_text(encoding="utf-8"))  # a video as the API answers it


def test_decoding_types_fields_and_nested_models():
    video = Video.from_wire(VIDEO)
    assert video.video_id == VIDEO["videoId"]
    assert isinstance(video.published_at, datetime) and video.published_at.tzinfo is not None
    assert video.assets.hls == VIDEO["assets"]["hls"]
    assert all(isinstance(m, Metadata) for m in video.metadata)
    assert video.to_wire() == VIDEO


def test_unknown_fields_are_kept_and_sent_back():
    data = dict(VIDEO, brandNewField={"x": 1}, assets=dict(VIDEO["assets"], dash="https://d"))
    video = Video.from_wire(data)
    assert video.additional_properties == {"brandNewField": {"x": 1}}
    assert video.assets["dash"] == "https://d"
    assert video.to_wire() == data
    assert Video.from_wire(video.to_wire()) == video


def test_unset_fields_read_as_none_and_are_not_sent():
    payload = VideoUpdatePayload(title="x", description=None)
    assert payload.public is None
    assert "public" not in payload and "description" in payload
    assert payload.to_wire() == {"title": "x", "description": None}


def test_decoding_errors_name_the_field():
    with pytest.raises(apivideo.ApiValueError, match="Video.publishedAt"):
        Video.from_wire(dict(VIDEO, publishedAt="not a date"))
    with pytest.raises(apivideo.ApiValueError, match="Video.metadata"):
        Video.from_wire(dict(VIDEO, metadata="nope"))
    with pytest.raises(apivideo.ApiValueError, match="expected a JSON object"):
        Video.from_wire([1, 2])


def test_nulls_and_lists_with_nulls_survive():
    video = Video.from_wire(dict(VIDEO, assets=None, metadata=[None, {"key": "k"}]))
    assert video.assets is None and "assets" in video
    assert video.metadata[0] is None and video.metadata[1].key == "k"


def test_datetimes_in_several_forms():
    parsed = Video.from_wire({"videoId": "v", "createdAt": "2024-01-02T03:04:05Z"}).created_at
    assert parsed == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    naive = Video.from_wire({"videoId": "v", "createdAt": "2024-01-02T03:04:05"}).created_at
    assert naive.tzinfo == timezone.utc
    offset = Video.from_wire({"videoId": "v", "createdAt": "2024-01-02T03:04:05+02:00"}).created_at
    assert offset.utcoffset() == timedelta(hours=2)


def test_naive_datetimes_are_sent_as_utc():
    from apivideo.model_utils import to_wire_value

    assert to_wire_value(datetime(2024, 5, 1)) == "2024-05-01T00:00:00+00:00"


def test_construction_checks_required_and_types():
    assert VideoCreationPayload("positional title").title == "positional title"
    with pytest.raises(apivideo.ApiTypeError, match="missing required argument"):
        VideoCreationPayload()
    with pytest.raises(apivideo.ApiTypeError, match=r"VideoCreationPayload.tags: item 1: expected str, got int"):
        VideoCreationPayload(title="t", tags=["a", 2])
    with pytest.raises(apivideo.ApiTypeError, match="multiple values"):
        VideoCreationPayload("a", title="b")


def test_official_style_access():
    video = Video.from_wire(VIDEO)
    assert video["title"] == video.title == video.get("title")
    assert video.get("nope", 5) == 5
    with pytest.raises(apivideo.ApiKeyError):
        video["nope"]
    with pytest.raises(apivideo.ApiAttributeError):
        video.nope  # noqa: B018
    video["title"] = "changed"
    assert video.title == "changed"
    assert video.to_dict()["video_id"] == VIDEO["videoId"]
    assert isinstance(video.to_dict()["published_at"], datetime)
    assert "video_id" in video.to_str()
    assert Video.attribute_map["mp4_support"] == "mp4Support"


def test_repr_reads_like_a_constructor_and_hides_secrets():
    payload = VideoCreationPayload(title="t", public=False)
    assert repr(payload) == "VideoCreationPayload(title='t', public=False)"
    token = AccessToken.from_wire({"access_token": "secret-a", "refresh_token": "secret-r", "token_type": "Bearer"})
    assert "secret-a" not in repr(token) and "secret-r" not in repr(token) and "<hidden>" in repr(token)


def test_equality_copy_and_pickle():
    video = Video.from_wire(VIDEO)
    assert video == Video.from_wire(VIDEO)
    assert video != Video.from_wire(dict(VIDEO, title="other"))
    assert copy.deepcopy(video) == video
    assert pickle.loads(pickle.dumps(video)) == video
    with pytest.raises(TypeError):
        hash(video)


def test_a_page_decodes_every_item():
    page = VideosListResponse.from_wire(
        {"data": [dict(VIDEO, videoId=f"vi{i}") for i in range(3)], "pagination": {"links": [], "pagesTotal": 1}}
    )
    assert [v.video_id for v in page.data] == ["vi0", "vi1", "vi2"]
    assert page.pagination.pages_total == 1
