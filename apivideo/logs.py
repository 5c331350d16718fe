"""The SDK's logging: credentials hidden in urllib3's records, and the ``Configuration.debug`` switch.

The SDK logs on the ``apivideo`` logger: each retry at INFO, each request's outcome at DEBUG, never a credential.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, List, Tuple

_SECRET_IN_URL = r"(token=|[kK]ey=|/upload-tokens/)[^&\s\"/?]+"
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.response")

_HELD: List[Callable[[], Tuple[str, ...]]] = []  # what the live clients hold (set by apivideo.api_client)


def hide_credentials_from(source: Callable[[], Tuple[str, ...]]) -> None:
    """Hide the credentials ``source()`` returns in urllib3's records (the live clients' credentials)."""
    _HELD[:] = [source]


class _RedactTokens(logging.Filter):
    """Hides upload tokens in the request lines urllib3 logs at DEBUG (``POST /upload?token=...``), and every
    credential a live client holds wherever urllib3 quotes what a server sent (an unparsable header line, say),
    in the message and in the traceback of the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(re.sub(_SECRET_IN_URL, r"\1<hidden>", a) if isinstance(a, str) else a
                                for a in record.args)  # fmt: skip
        if isinstance(record.msg, str):
            record.msg = re.sub(_SECRET_IN_URL, r"\1<hidden>", record.msg)
        held = _HELD[0]() if _HELD else ()
        if held:
            _hide(record, held)
        return True


def _hide(record: logging.LogRecord, held: Tuple[str, ...]) -> None:
    from apivideo.exceptions import scrub

    try:
        message = record.getMessage()
    except Exception:  # a record that cannot be formatted: the handler reports it, without its arguments
        message, record.args = str(record.msg), ()
    hidden = scrub(message, held)
    if hidden != message:
        record.msg, record.args = hidden, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = record.exc_text or logging.Formatter().formatException(record.exc_info)
        hidden = scrub(text, held)
        if hidden != text:  # the handler shows this text instead of formatting the exception again
            record.exc_text, record.exc_info = hidden, None


_FILTERS: List[_RedactTokens] = []  # made with the first client, not at import


def hide_tokens_in_urllib3_logs() -> None:
    if not _FILTERS:
        _FILTERS.append(_RedactTokens())
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTERS[0] not in logger.filters:
            logger.addFilter(_FILTERS[0])


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property
    def stream(self) -> Any:
        import sys

        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


_DEBUG_HANDLER = _StderrHandler()


def set_debug(on: bool) -> None:
    """Send the ``apivideo`` and ``urllib3`` logs at DEBUG to stderr (on), or stop doing so (off)."""
    for name in ("apivideo", "urllib3"):
        logger = logging.getLogger(name)
        if on:
            logger.setLevel(logging.DEBUG)
            if _DEBUG_HANDLER not in logger.handlers:
                logger.addHandler(_DEBUG_HANDLER)
        else:
            logger.setLevel(logging.NOTSET)
            logger.removeHandler(_DEBUG_HANDLER)
    if on:
        hide_tokens_in_urllib3_logs()
