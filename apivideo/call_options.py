"""The per-call keywords as types, :class:`CallOptions` and :class:`UploadOptions`, for type checkers and editors.

Kept apart from :mod:`apivideo.options` so that importing the SDK does not build it: a ``TypedDict`` turns each of
its annotations into a compiled forward reference, about 1.5 ms at import. ``apivideo.options.CallOptions`` loads
it on first use.
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
    """Per-call options of every method: the official client's, plus ``_retries`` and ``_headers``."""

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


class UploadOptions(CallOptions, total=False):
    """Per-call options of the chunked uploads (``VideosApi.upload`` and ``upload_with_upload_token``): those of
    every method, plus ``resume``, ``journal``, ``verify``, ``cancel`` (a ``threading.Event``), ``max_bandwidth``
    (bytes/s) and ``digest`` (a :class:`~apivideo.transfer.ContentDigest` fed with the bytes sent)."""

    resume: bool
    journal: Union[bool, str, os.PathLike[str], UploadJournal, JournalEntry]
    verify: bool
    cancel: Any
    max_bandwidth: float
    digest: ContentDigest
