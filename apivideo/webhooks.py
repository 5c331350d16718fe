"""Receive api.video webhooks: check the signature, then get a typed event.

    from apivideo.webhooks import parse_event, WebhookSignatureError

    def handle(request):                       # in your web framework
        try:
            event = parse_event(request.body, request.headers, secret=WEBHOOK_SIGNATURE_SECRET)
        except WebhookSignatureError:
            return 401
        if isinstance(event, VideoEncodingQualityCompleted):
            ...

The signature secret is the ``signature_secret`` of the :class:`Webhook` returned by ``WebhooksApi.create``.
The ``X-Api-Video-Signature`` header holds the hex HMAC-SHA256 of the raw request body under that secret; it is
compared in constant time. Always verify the raw bytes as received, before any JSON decoding.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Union

from apivideo.exceptions import ApiTypeError, ApiValueError, OpenApiException
from apivideo.model_utils import Model, field, parse_datetime

SIGNATURE_HEADER = "X-Api-Video-Signature"
WEBHOOK_ID_HEADER = "X-Api-Video-WebhookID"

__all__ = [
    "WebhookSignatureError",
    "WebhookEvent",
    "LiveStreamBroadcastStarted",
    "LiveStreamBroadcastEnded",
    "VideoSourceRecorded",
    "VideoEncodingQualityCompleted",
    "VideoCaptionGenerated",
    "VideoSummaryGenerated",
    "compute_signature",
    "verify_signature",
    "parse_event",
]


class WebhookSignatureError(OpenApiException, ValueError):
    """The webhook request is not signed by api.video with this secret (or its body is not an event)."""


def _timestamp_or_raw(value: Any) -> Any:
    """``emittedAt`` as a datetime when it parses; otherwise the value as sent (a signed event is never refused
    because of its timestamp's format)."""
    try:
        return parse_datetime(value)
    except (ApiValueError, TypeError, ValueError, OverflowError):
        return value


class WebhookEvent(Model):
    """A webhook notification; the subclass tells which event it is.

    ``emitted_at`` is a timezone-aware datetime, or the raw value when api.video sent one that does not parse.
    """

    type: Optional[str] = field("type", default=None)
    emitted_at: Optional[Union[datetime, str]] = field("emittedAt", default=None, decode=_timestamp_or_raw)


class LiveStreamBroadcastStarted(WebhookEvent):
    """``live-stream.broadcast.started``: a live stream began broadcasting."""

    live_stream_id: Optional[str] = field("liveStreamId", default=None)


class LiveStreamBroadcastEnded(WebhookEvent):
    """``live-stream.broadcast.ended``: a live stream stopped broadcasting."""

    live_stream_id: Optional[str] = field("liveStreamId", default=None)


class VideoSourceRecorded(WebhookEvent):
    """``video.source.recorded``: the recording of a broadcast is ready and queued for encoding."""

    live_stream_id: Optional[str] = field("liveStreamId", default=None)
    video_id: Optional[str] = field("videoId", default=None)


class VideoEncodingQualityCompleted(WebhookEvent):
    """``video.encoding.quality.completed``: one quality (``encoding`` hls or mp4, ``quality`` 240p...) is ready."""

    video_id: Optional[str] = field("videoId", default=None)
    encoding: Optional[str] = field("encoding", default=None)
    quality: Optional[str] = field("quality", default=None)


class VideoCaptionGenerated(WebhookEvent):
    """``video.caption.generated``: a caption was generated for a video."""

    video_id: Optional[str] = field("videoId", default=None)
    caption_id: Optional[str] = field("captionId", default=None)
    generation_mode: Optional[str] = field("generationMode", default=None)
    language: Optional[str] = field("language", default=None)


class VideoSummaryGenerated(WebhookEvent):
    """``video.summary.generated``: a summary was generated for a video."""

    video_id: Optional[str] = field("videoId", default=None)
    summary_id: Optional[str] = field("summaryId", default=None)


EVENT_TYPES: Dict[str, type[WebhookEvent]] = {
    "live-stream.broadcast.started": LiveStreamBroadcastStarted,
    "live-stream.broadcast.ended": LiveStreamBroadcastEnded,
    "video.source.recorded": VideoSourceRecorded,
    "video.encoding.quality.completed": VideoEncodingQualityCompleted,
    "video.caption.generated": VideoCaptionGenerated,
    "video.summary.generated": VideoSummaryGenerated,
}


def _as_bytes(name: str, value: Union[bytes, bytearray, memoryview, str]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ApiTypeError(f"argument '{name}': expected bytes or str, got {type(value).__name__}")


def compute_signature(body: Union[bytes, str], secret: str) -> str:
    """The hex HMAC-SHA256 of ``body`` under ``secret``, as api.video sends it."""
    return hmac.new(_as_bytes("secret", secret), _as_bytes("body", body), hashlib.sha256).hexdigest()


def verify_signature(body: Union[bytes, str], signature: Optional[str], secret: str) -> None:
    """Raise :class:`WebhookSignatureError` unless ``signature`` is the body's signature under ``secret``."""
    if not secret:
        raise ApiValueError("argument 'secret': the webhook signature secret must not be empty")
    if not signature or not isinstance(signature, str):
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header is missing")
    candidate = signature.strip().lower()
    if len(candidate) != 64 or any(c not in "0123456789abcdef" for c in candidate):
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header is not a hex SHA-256 signature")
    if not hmac.compare_digest(candidate, compute_signature(body, secret)):
        raise WebhookSignatureError("the webhook signature does not match its body: wrong secret or altered body")


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value


def parse_event(body: Union[bytes, str], headers: Mapping[str, str], secret: str) -> WebhookEvent:
    """Verify a webhook request (raw body and headers) and return its event as a typed model.

    Unknown event types come back as a plain :class:`WebhookEvent` with every field kept.
    """
    verify_signature(body, _header(headers, SIGNATURE_HEADER), secret)
    try:
        data: Any = json.loads(_as_bytes("body", body))
    except (ValueError, RecursionError):
        raise WebhookSignatureError("the webhook body is not valid JSON") from None
    if not isinstance(data, dict):
        raise WebhookSignatureError("the webhook body is not a JSON object")
    cls = EVENT_TYPES.get(str(data.get("type")), WebhookEvent)
    return cls.from_wire(data)
