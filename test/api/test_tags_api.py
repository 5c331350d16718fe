"""TagsApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable, List

import pytest

from apivideo.model.list_tags_response import ListTagsResponse
from apivideo.model.list_tags_response_data import ListTagsResponseData
from apivideo.model.video import Video


@pytest.fixture
def tagged(make_video: Callable[..., Video]) -> List[Video]:
    return [
        make_video("a", tags=["maths", "physics"]),
        make_video("b", tags=["maths"]),
        make_video("c", tags=["maths", "chemistry", "physics"]),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, [("chemistry", 1), ("maths", 3), ("physics", 2)]),
        ({"value": "PHYS"}, [("physics", 2)]),
        ({"sort_by": "value", "sort_order": "desc"}, [("physics", 2), ("maths", 3), ("chemistry", 1)]),
        ({"sort_by": "videoCount", "sort_order": "desc"}, [("maths", 3), ("physics", 2), ("chemistry", 1)]),
        ({"sort_by": "videoCount", "sort_order": "asc", "page_size": 2, "current_page": 2}, [("maths", 3)]),
    ],
)
def test_list(apis: SimpleNamespace, tagged: List[Video], args: dict, expected: list) -> None:
    page = apis.tags.list(**args)
    assert isinstance(page, ListTagsResponse)
    assert all(isinstance(t, ListTagsResponseData) for t in page.data)
    assert [(t.value, t.video_count) for t in page.data] == expected


def test_tags_follow_video_changes(apis: SimpleNamespace, tagged: List[Video]) -> None:
    apis.videos.delete(tagged[0].video_id)
    counts = {t.value: t.video_count for t in apis.tags.list().data}
    assert counts == {"maths": 2, "chemistry": 1, "physics": 1}
    page = apis.tags.list(page_size=1)
    assert page.pagination.items_total == 3 and page.pagination.pages_total == 3


def test_no_videos_no_tags(apis: SimpleNamespace) -> None:
    page = apis.tags.list()
    assert page.data == [] and page.pagination.items_total == 0
