"""paginate() and iter_pages() walk every page lazily and keep the caller's filters."""

from __future__ import annotations

import pytest

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.pagination import iter_pages, paginate


@pytest.fixture
def videos(client):
    api = VideosApi(client)
    for i in range(7):
        api.create(VideoCreationPayload(title=f"clip {i}", tags=["sport"] if i % 2 == 0 else ["news"]))
    return api


def _list_requests(emu):
    return [r for r in emu.requests if r.path == "/videos" and r.method == "GET"]


def test_paginate_yields_every_item_and_carries_filters_to_every_page(emu, videos):
    emu.clear_requests()
    titles = [v.title for v in paginate(videos.list, tags=["sport"], sort_by="title", page_size=2)]
    assert titles == ["clip 0", "clip 2", "clip 4", "clip 6"]
    sent = _list_requests(emu)
    assert [dict(r.query)["currentPage"] for r in sent] == ["1", "2"]
    for r in sent:
        assert ("tags[]", "sport") in r.query and ("sortBy", "title") in r.query and ("pageSize", "2") in r.query


def test_pages_are_fetched_only_when_needed(emu, videos):
    emu.clear_requests()
    items = paginate(videos.list, page_size=3)
    assert _list_requests(emu) == []  # nothing until iteration starts
    first = [next(items) for _ in range(3)]
    assert len(_list_requests(emu)) == 1
    next(items)
    assert len(_list_requests(emu)) == 2
    assert len(first) == 3


def test_iter_pages_yields_pages_and_stops_at_the_last(emu, videos):
    pages = list(iter_pages(videos.list, page_size=3))
    assert [len(p.data) for p in pages] == [3, 3, 1]
    assert [p.pagination.current_page for p in pages] == [1, 2, 3]


def test_an_empty_result_is_one_empty_page(emu, client):
    pages = list(iter_pages(VideosApi(client).list, title="nothing matches"))
    assert len(pages) == 1 and pages[0].data == []
    assert list(paginate(VideosApi(client).list, title="nothing matches")) == []


def test_starting_page_is_honoured(emu, videos):
    assert [v.title for v in paginate(videos.list, page_size=3, current_page=3)] == ["clip 6"]


def test_other_paginated_operations_work_the_same(emu, client):
    tokens = UploadTokensApi(client)
    for ttl in range(1, 6):
        tokens.create_token(TokenCreationPayload(ttl=ttl * 60))
    assert sorted(t.ttl for t in paginate(tokens.list, page_size=2)) == [60, 120, 180, 240, 300]


def test_errors_surface_from_the_page_that_failed(emu, videos, sleeps):
    videos.api_client.configuration.retries = 0
    items = paginate(videos.list, page_size=3)
    assert len([next(items) for _ in range(3)]) == 3
    emu.inject("status", status=503, path="/videos")
    with pytest.raises(apivideo.ServiceException):
        next(items)


def test_bad_arguments_are_refused():
    with pytest.raises(apivideo.ApiTypeError):
        list(iter_pages("not callable"))  # type: ignore[arg-type]
    with pytest.raises(apivideo.ApiValueError, match="current_page"):
        list(iter_pages(lambda **kw: None, current_page=0))
