"""Per-call options: their names, and how the return-form options shape what a call returns. Their type,
:class:`CallOptions`, is in :mod:`apivideo.call_options`, loaded from here on first use.

Every generated method accepts them as keywords (``videos_api.get(video_id, _request_timeout=5)``); an Api object's
``with_options(...)`` view applies some to every call it makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Tuple

if TYPE_CHECKING:  # at run time, loaded on first use by __getattr__ below
    from apivideo.call_options import CallOptions as CallOptions
    from apivideo.call_options import ProgressListener as ProgressListener
    from apivideo.call_options import UploadOptions as UploadOptions

UPLOAD_ONLY = frozenset({"resume", "journal", "verify", "cancel", "max_bandwidth", "digest"})
CALL_OPTIONS = frozenset({
    "async_req", "_return_http_data_only", "_preload_content", "_request_timeout", "_retries", "_headers",
    "_check_input_type", "_check_return_type", "_host_index", "_progress_listener",
})  # fmt: skip
UPLOAD_OPTIONS = CALL_OPTIONS | UPLOAD_ONLY  # the keys of UploadOptions (CALL_OPTIONS: those of CallOptions)
RETURN_FORM = frozenset({"_preload_content", "_return_http_data_only", "async_req"})


_TYPES = ("CallOptions", "UploadOptions", "ProgressListener")


def __getattr__(name: str) -> Any:
    if name in _TYPES:  # the types, built on first use (see apivideo.call_options)
        from apivideo import call_options

        return getattr(call_options, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> List[str]:
    return sorted({*globals(), *_TYPES})


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
