"""WatermarksApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import pytest

from apivideo.exceptions import BadRequestException, NotFoundException
from apivideo.model.watermark import Watermark
from apivideo.model.watermarks_list_response import WatermarksListResponse


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_then_list(apis: SimpleNamespace, sent: Callable[..., list], files: SimpleNamespace, kind: str) -> None:
    if kind == "file":
        with open(files.watermark, "rb") as fh:
            watermark = apis.watermarks.upload(fh)
            assert not fh.closed
    else:
        watermark = apis.watermarks.upload(str(files.watermark))
    assert isinstance(watermark, Watermark)
    assert watermark.watermark_id.startswith("watermark_")
    assert watermark.created_at is not None
    listed = apis.watermarks.list()
    assert isinstance(listed, WatermarksListResponse)
    assert listed.data == [watermark]
    (rec,) = sent("POST", path="/watermarks")
    assert b'filename="watermark.png"' in rec.body and files.watermark.read_bytes() in rec.body


def test_upload_wrong_extension(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.watermarks.upload(files.caption)
    assert info.value.name == "file" and "extensions" in info.value.title


def test_delete_then_gone(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    kept, removed = apis.watermarks.upload(files.watermark), apis.watermarks.upload(files.watermark)
    assert apis.watermarks.delete(removed.watermark_id) is None
    assert [w.watermark_id for w in apis.watermarks.list().data] == [kept.watermark_id]
    with pytest.raises(NotFoundException) as info:
        apis.watermarks.delete(removed.watermark_id)
    assert info.value.name == "watermarkId"


def test_list_sorting_paging(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    ids = [apis.watermarks.upload(files.watermark).watermark_id for _ in range(3)]
    assert [w.watermark_id for w in apis.watermarks.list(sort_by="createdAt", sort_order="desc").data] == ids[::-1]
    page = apis.watermarks.list(sort_by="createdAt", sort_order="asc", page_size=2, current_page=2)
    assert [w.watermark_id for w in page.data] == ids[2:]
    assert (page.pagination.items_total, page.pagination.pages_total, page.pagination.current_page) == (3, 2, 2)
