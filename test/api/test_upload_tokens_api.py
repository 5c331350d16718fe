"""UploadTokensApi over HTTP against the emulator."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import List

import pytest

from apivideo.exceptions import ApiValueError, NotFoundException
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.token_list_response import TokenListResponse
from apivideo.model.upload_token import UploadToken


@pytest.mark.parametrize("ttl", [None, 0, 3600])
def test_create_then_get(apis: SimpleNamespace, ttl: int) -> None:
    token = apis.upload_tokens.create_token(TokenCreationPayload() if ttl is None else TokenCreationPayload(ttl=ttl))
    assert isinstance(token, UploadToken)
    assert token.token.startswith("to")
    assert token.token not in repr(token)  # a credential: hidden in repr
    assert token.ttl == (ttl or 0)
    if ttl:
        assert token.expires_at - token.created_at == timedelta(seconds=ttl)
    else:
        assert token.expires_at is None
    assert apis.upload_tokens.get_token(token.token) == token


def test_ttl_is_checked_before_sending(apis: SimpleNamespace) -> None:
    with pytest.raises(ApiValueError, match="ttl"):
        apis.upload_tokens.create_token(TokenCreationPayload(ttl=-1))


def test_delete_then_get_is_not_found(apis: SimpleNamespace) -> None:
    token = apis.upload_tokens.create_token(TokenCreationPayload())
    assert apis.upload_tokens.delete_token(token.token) is None
    with pytest.raises(NotFoundException) as info:
        apis.upload_tokens.get_token(token.token)
    assert info.value.name == "uploadToken"
    with pytest.raises(NotFoundException):
        apis.upload_tokens.delete_token(token.token)


@pytest.fixture
def tokens(apis: SimpleNamespace) -> List[UploadToken]:
    return [apis.upload_tokens.create_token(TokenCreationPayload(ttl=t)) for t in (600, 60, 6000)]


@pytest.mark.parametrize(
    ("args", "ttls"),
    [
        ({}, [600, 60, 6000]),
        ({"sort_by": "ttl", "sort_order": "asc"}, [60, 600, 6000]),
        ({"sort_by": "ttl", "sort_order": "desc"}, [6000, 600, 60]),
        ({"sort_by": "createdAt", "sort_order": "desc"}, [6000, 60, 600]),
        ({"sort_by": "ttl", "page_size": 2, "current_page": 2}, [6000]),
    ],
)
def test_list_sorting_paging(apis: SimpleNamespace, tokens: List[UploadToken], args: dict, ttls: List[int]) -> None:
    page = apis.upload_tokens.list(**args)
    assert isinstance(page, TokenListResponse)
    assert all(isinstance(t, UploadToken) for t in page.data)
    assert [t.ttl for t in page.data] == ttls
    assert page.pagination.items_total == 3
