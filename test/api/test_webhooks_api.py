"""WebhooksApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import List

import pytest

from apivideo.exceptions import ApiValueError, BadRequestException, NotFoundException
from apivideo.model.webhook import Webhook
from apivideo.model.webhooks_creation_payload import WebhooksCreationPayload
from apivideo.model.webhooks_list_response import WebhooksListResponse

ENCODED = "video.encoding.quality.completed"
STARTED = "live-stream.broadcast.started"


def test_create_then_get(apis: SimpleNamespace) -> None:
    hook = apis.webhooks.create(WebhooksCreationPayload(events=[ENCODED, STARTED], url="https://example.com/hook"))
    assert isinstance(hook, Webhook)
    assert hook.webhook_id.startswith("webhook_")
    assert (hook.events, hook.url) == ([ENCODED, STARTED], "https://example.com/hook")
    assert hook.signature_secret and hook.signature_secret not in repr(hook)
    assert apis.webhooks.get(hook.webhook_id) == hook


def test_unknown_event_is_checked_before_sending(apis: SimpleNamespace) -> None:
    with pytest.raises(ApiValueError, match="events"):
        apis.webhooks.create(WebhooksCreationPayload(events=["video.exploded"], url="https://example.com"))


def test_invalid_url_is_a_bad_request(apis: SimpleNamespace) -> None:
    with pytest.raises(BadRequestException) as info:
        apis.webhooks.create(WebhooksCreationPayload(events=[ENCODED], url="ftp://example.com"))
    assert info.value.name == "url"
    assert [p["name"] for p in info.value.problems] == ["url"]


def test_delete_then_get_is_not_found(apis: SimpleNamespace) -> None:
    hook = apis.webhooks.create(WebhooksCreationPayload(events=[ENCODED], url="https://example.com"))
    assert apis.webhooks.delete(hook.webhook_id) is None
    with pytest.raises(NotFoundException) as info:
        apis.webhooks.get(hook.webhook_id)
    assert info.value.name == "webhookId"


@pytest.fixture
def hooks(apis: SimpleNamespace) -> List[Webhook]:
    return [
        apis.webhooks.create(WebhooksCreationPayload(events=events, url=f"https://example.com/{i}"))
        for i, events in enumerate([[ENCODED], [STARTED], [ENCODED, STARTED]])
    ]


@pytest.mark.parametrize(
    ("args", "picked"),
    [
        ({}, [0, 1, 2]),
        ({"events": ENCODED}, [0, 2]),
        ({"events": STARTED}, [1, 2]),
        ({"page_size": 2, "current_page": 2}, [2]),
        ({"events": ENCODED, "page_size": 1}, [0]),
    ],
)
def test_list_filter_paging(apis: SimpleNamespace, hooks: List[Webhook], args: dict, picked: List[int]) -> None:
    page = apis.webhooks.list(**args)
    assert isinstance(page, WebhooksListResponse)
    assert all(isinstance(h, Webhook) for h in page.data)
    assert [h.webhook_id for h in page.data] == [hooks[i].webhook_id for i in picked]
