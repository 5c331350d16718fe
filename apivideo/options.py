"""Per-call options: their names and types, and how the return-form options shape what a call returns.

Every generated method accepts them as keywords (``videos_api.get(video_id, _request_timeout=5)``); an Api object's
``with_options(...)`` view applies some to every call it makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Tuple, TypedDict, Union

if TYPE_CHECKING:
    import os

    from apivideo.journal import JournalEntry, UploadJournal
    from apivideo.retry import RetryPolicy
    from apivideo.transfer import ContentDigest

ProgressListener = Callable[[int, Optional[int]], None]


class CallOptions(TypedDict, total=False):
    """Per-call options: the official client's, plus ``_retries``, ``_headers`` and, for chunked uploads,
    ``resume``, ``journal``, ``verify``, ``cancel`` (a ``threading.Event``), ``max_bandwidth`` (bytes/s) and
    ``digest`` (a :class:`~apivideo.transfer.ContentDigest` fed with the bytes sent)."""

    async_req: bool
    _return_http_data_only: bool
    _preload_content: bool
    _request_timeout: Union[float, Tuple[float, float], None]
    _retries: Union[RetryPolicy, int, None]
    _headers: Mapping[str, str]
    _check_input_type: bool
    _check_return_type: bool
    _host_index: Optional[int]
    _progress_listener: ProgressListener
    resume: bool
    journal: Union[bool, str, os.PathLike[str], UploadJournal, JournalEntry]
    verify: bool
    cancel: Any
    max_bandwidth: float
    digest: ContentDigest


UPLOAD_ONLY = frozenset({"resume", "journal", "verify", "cancel", "max_bandwidth", "digest"})
CALL_OPTIONS = frozenset(CallOptions.__annotations__) - UPLOAD_ONLY
UPLOAD_OPTIONS = CALL_OPTIONS | UPLOAD_ONLY
RETURN_FORM = frozenset({"_preload_content", "_return_http_data_only", "async_req"})


def as_requested(answer: Tuple[Any, Any], options: Mapping[str, Any]) -> Any:
    """What the caller asked to get back from a ``(decoded value, response)`` answer: the value (default), the
    response itself (``_preload_content=False``) or ``(value, status, headers)`` (``_return_http_data_only=False``).

    Applied once, at the very end of a call: it never changes what was sent or how the answer was read.
    """
    value, response = answer
    if not options:
        return value
    if options.get("_preload_content", True) is False:
        return response
    if options.get("_return_http_data_only", True) is False:
        return value, response.status, response.headers
    return value
