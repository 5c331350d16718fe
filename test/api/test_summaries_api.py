"""SummariesApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable, List

import pytest

from apivideo.exceptions import ConflictException, NotFoundException
from apivideo.model.summaries_list_response import SummariesListResponse
from apivideo.model.summary import Summary
from apivideo.model.summary_creation_payload import SummaryCreationPayload
from apivideo.model.summary_source import SummarySource
from apivideo.model.summary_update_payload import SummaryUpdatePayload
from apivideo.model.video import Video


def test_create_auto_then_get_source(apis: SimpleNamespace, video: Video) -> None:
    summary = apis.summaries.create(SummaryCreationPayload(video_id=video.video_id, origin="auto"))
    assert isinstance(summary, Summary)
    assert summary.summary_id.startswith("summary_")
    assert (summary.video_id, summary.origin, summary.source_status) == (video.video_id, "auto", "completed")
    source = apis.summaries.get_summary_source(summary.summary_id)
    assert isinstance(source, SummarySource)
    assert source.abstract and len(source.takeaways) == 2


def test_create_with_attributes(apis: SimpleNamespace, video: Video) -> None:
    summary = apis.summaries.create(
        SummaryCreationPayload(video_id=video.video_id, origin="auto", attributes=["takeaways"])
    )
    source = apis.summaries.get_summary_source(summary.summary_id)
    assert source.abstract is None and source.takeaways


def test_second_summary_is_a_conflict(apis: SimpleNamespace, video: Video) -> None:
    apis.summaries.create(SummaryCreationPayload(video_id=video.video_id))
    with pytest.raises(ConflictException) as info:
        apis.summaries.create(SummaryCreationPayload(video_id=video.video_id))
    assert info.value.status == 409 and info.value.name == "videoId"


def test_summary_of_unknown_video(apis: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException):
        apis.summaries.create(SummaryCreationPayload(video_id="vi_missing"))


def test_update_then_get_source(apis: SimpleNamespace, sent: Callable[..., list], video: Video) -> None:
    summary = apis.summaries.create(SummaryCreationPayload(video_id=video.video_id))
    assert summary.origin == "api" and summary.source_status == "missing"
    updated = apis.summaries.update(summary.summary_id, SummaryUpdatePayload(abstract="Short.", takeaways=["a", "b"]))
    assert isinstance(updated, SummarySource)
    assert (updated.abstract, updated.takeaways) == ("Short.", ["a", "b"])
    assert apis.summaries.get_summary_source(summary.summary_id) == updated
    (rec,) = sent("PATCH")
    assert rec.path == f"/summaries/{summary.summary_id}/source"
    assert apis.summaries.list(video_id=video.video_id).data[0].source_status == "completed"


def test_delete_then_source_is_not_found(apis: SimpleNamespace, video: Video) -> None:
    summary = apis.summaries.create(SummaryCreationPayload(video_id=video.video_id))
    assert apis.summaries.delete(summary.summary_id) is None
    with pytest.raises(NotFoundException) as info:
        apis.summaries.get_summary_source(summary.summary_id)
    assert info.value.name == "summaryId"
    assert apis.summaries.list().data == []


@pytest.fixture
def summaries(apis: SimpleNamespace, make_video: Callable[..., Video]) -> List[Summary]:
    out = []
    for i, origin in enumerate(("auto", None, "auto")):
        v = make_video(f"video {i}")
        out.append(apis.summaries.create(SummaryCreationPayload(video_id=v.video_id, origin=origin)))
    return out


@pytest.mark.parametrize(
    ("args", "picked"),
    [
        ({}, [0, 1, 2]),
        ({"origin": "auto"}, [0, 2]),
        ({"origin": "api"}, [1]),
        ({"source_status": "missing"}, [1]),
        ({"source_status": "completed", "sort_by": "createdAt", "sort_order": "desc"}, [2, 0]),
        ({"sort_by": "createdAt", "page_size": 2, "current_page": 2}, [2]),
    ],
)
def test_list_filters_sorting_paging(
    apis: SimpleNamespace, summaries: List[Summary], args: dict, picked: List[int]
) -> None:
    page = apis.summaries.list(**args)
    assert isinstance(page, SummariesListResponse)
    assert all(isinstance(s, Summary) for s in page.data)
    assert [s.summary_id for s in page.data] == [summaries[i].summary_id for i in picked]


def test_list_by_video(apis: SimpleNamespace, summaries: List[Summary]) -> None:
    page = apis.summaries.list(video_id=summaries[1].video_id)
    assert [s.summary_id for s in page.data] == [summaries[1].summary_id]
