"""The SDK's logging: upload tokens hidden in urllib3's request lines, and the ``Configuration.debug`` switch.

The SDK logs on the ``apivideo`` logger: each retry at INFO, each request's outcome at DEBUG, never a credential.
"""

from __future__ import annotations

import logging
import re
from typing import Any, List

_SECRET_IN_URL = r"(token=|[kK]ey=|/upload-tokens/)[^&\s\"/?]+"


class _RedactTokens(logging.Filter):
    """Hides upload tokens in the request lines urllib3 logs at DEBUG (``POST /upload?token=...``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(re.sub(_SECRET_IN_URL, r"\1<hidden>", a) if isinstance(a, str) else a
                                for a in record.args)  # fmt: skip
        if isinstance(record.msg, str):
            record.msg = re.sub(_SECRET_IN_URL, r"\1<hidden>", record.msg)
        return True


_FILTERS: List[_RedactTokens] = []  # made with the first client, not at import


def hide_tokens_in_urllib3_logs() -> None:
    if not _FILTERS:
        _FILTERS.append(_RedactTokens())
    for name in ("urllib3.connectionpool", "urllib3.connection"):
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
