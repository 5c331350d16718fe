"""Webhook signature checks and typed events."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from apivideo.api.webhooks_api import WebhooksApi
from apivideo.model.webhooks_creation_payload import WebhooksCreationPayload
from apivideo.webhooks import (
    LiveStreamBroadcastStarted,
    VideoEncodingQualityCompleted,
    WebhookEvent,
    WebhookSignatureError,
    compute_signature,
    parse_event,
    verify_signature,
)

SECRET = "sig_sec_abcdef0123456789"
BODY = json.dumps(
    {"type": "video.encoding.quality.completed", "emittedAt": "2024-08-15T10:18:47+00:00", "videoId": "vi1",
     "encoding": "hls", "quality": "720p"}
).encode()  # fmt: skip


def _headers(body=BODY, secret=SECRET):
    return {"X-Api-Video-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_a_valid_signature_gives_a_typed_event():
    event = parse_event(BODY, _headers(), SECRET)
    assert isinstance(event, VideoEncodingQualityCompleted)
    assert (event.video_id, event.encoding, event.quality) == ("vi1", "hls", "720p")
    assert event.emitted_at.isoformat() == "2024-08-15T10:18:47+00:00"


def test_header_names_are_case_insensitive():
    headers = {k.lower(): v for k, v in _headers().items()}
    assert parse_event(BODY, headers, SECRET).type == "video.encoding.quality.completed"


@pytest.mark.parametrize(
    ("body", "headers", "match"),
    [
        (BODY + b" ", _headers(), "does not match"),  # tampered body
        (BODY, _headers(secret="another secret"), "does not match"),  # wrong secret
        (BODY, {}, "missing"),  # missing header
        (BODY, {"X-Api-Video-Signature": "zz" * 32}, "not a hex"),  # malformed
        (BODY, {"X-Api-Video-Signature": "abc"}, "not a hex"),
    ],
    ids=["tampered", "wrong-secret", "missing", "non-hex", "short"],
)
def test_bad_signatures_are_rejected(body, headers, match):
    with pytest.raises(WebhookSignatureError, match=match):
        parse_event(body, headers, SECRET)


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify_signature(BODY, _headers()["X-Api-Video-Signature"], SECRET)
    assert len(calls) == 1


def test_a_signed_body_that_is_not_json_is_rejected():
    body = b"not json"
    with pytest.raises(WebhookSignatureError, match="JSON"):
        parse_event(body, _headers(body), SECRET)


def test_unknown_event_types_keep_every_field():
    body = json.dumps({"type": "video.future.event", "videoId": "vi2", "extra": 1}).encode()
    event = parse_event(body, _headers(body), SECRET)
    assert type(event) is WebhookEvent and event["videoId"] == "vi2" and event["extra"] == 1


def test_all_six_events_are_typed():
    body = json.dumps({"type": "live-stream.broadcast.started", "liveStreamId": "li1"}).encode()
    assert isinstance(parse_event(body, _headers(body), SECRET), LiveStreamBroadcastStarted)
    from apivideo.webhooks import EVENT_TYPES

    assert len(EVENT_TYPES) == 6


def test_the_secret_from_a_created_webhook_verifies_its_notifications(emu, client):
    hook = WebhooksApi(client).create(
        WebhooksCreationPayload(events=["video.encoding.quality.completed"], url="https://example.org/hook")
    )
    assert hook.signature_secret and "signature_secret=<hidden>" in repr(hook)
    signature = compute_signature(BODY, hook.signature_secret)
    assert parse_event(BODY, {"X-Api-Video-Signature": signature}, hook.signature_secret).video_id == "vi1"


@pytest.mark.parametrize("emitted_at", ["2024-08-151T10:18:47+00:00", 1723717127, "yesterday"])
def test_a_signed_event_with_an_odd_timestamp_still_parses(emitted_at):
    body = json.dumps({"type": "video.encoding.quality.completed", "emittedAt": emitted_at, "videoId": "vi1"}).encode()
    event = parse_event(body, _headers(body), SECRET)
    assert isinstance(event, VideoEncodingQualityCompleted)
    assert event.video_id == "vi1" and event.emitted_at == emitted_at  # kept as sent


def test_a_signed_body_nested_too_deeply_is_rejected_with_the_documented_error():
    body = b'{"a":' * 1100 + b"1" + b"}" * 1100
    with pytest.raises(WebhookSignatureError):
        parse_event(body, _headers(body), SECRET)
