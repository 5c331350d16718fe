"""Failures told in the command line's terms: one line that names options rather than SDK parameters, and the
host and the cause rather than connection classes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from apivideo.cli._output import human_bytes, redact

if TYPE_CHECKING:
    from apivideo.cli._args import Command
    from apivideo.exceptions import ApiException


def describe_error(exc: ApiException, host: str) -> str:
    """One line for a failed request: what refused it and why (the HTTP status, the problem and its field)."""
    from apivideo.exceptions import ApiAuthException, ApiConnectionException, ApiException, UploadError

    if isinstance(exc, UploadError):
        if isinstance(exc.cause, ApiException):
            cause = describe_error(exc.cause, host)
        else:
            cause = str(exc.cause or "") or exc.reason or "unknown failure"
        done = f" after {human_bytes(exc.bytes_acknowledged)} were acknowledged" if exc.bytes_acknowledged else ""
        where = f" of video {exc.video_id}" if exc.video_id else ""
        return redact(f"upload{where} stopped{done}: {cause}")
    if isinstance(exc, ApiConnectionException):
        return redact(connection_problem(exc, host))
    if isinstance(exc, ApiAuthException):
        if exc.status is None:
            return redact(exc.reason or "authentication failed")
        return redact(f"api.video refused the API key ({exc.status}: {exc.title or exc.reason or 'refused'})")
    text = " ".join(str(p) for p in (exc.status, exc.title or exc.reason) if p)
    if exc.name:
        text += f" ({exc.name})"
    detail = exc.detail
    if not detail and exc.problems:
        first = exc.problems[0]
        detail = " ".join(str(first[k]) for k in ("title", "name") if first.get(k))
        if len(exc.problems) > 1:
            detail += f" (and {len(exc.problems) - 1} more)"
    if detail and detail != exc.title:
        text += f" - {detail}"
    return redact(" ".join((text or str(exc)).split()))


def connection_problem(exc: ApiException, host: str) -> str:
    """``cannot reach http://127.0.0.1:9: connection refused``: the host, and the cause in plain words."""
    from apivideo.exceptions import ApiTimeoutException

    reason = exc.reason or ""
    cause = _os_cause(exc) or _plain(reason) or "connection failed"
    if isinstance(exc, ApiTimeoutException) and "response" in reason:
        return f"{host} did not answer in time ({cause})"
    if any(word in cause for word in ("reset", "aborted", "broken pipe", "closed", "ended")):
        return f"lost the connection to {host}: {cause}"
    return f"cannot reach {host}: {cause}"


def _os_cause(exc: BaseException) -> Optional[str]:
    """The system-level cause of a connection failure, from the chain of exceptions, in plain words."""
    import os
    import socket
    import ssl

    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"its TLS certificate was not accepted ({current.verify_message})"
        if isinstance(current, socket.gaierror):
            return "its name does not resolve to an address"
        if isinstance(current, OSError) and isinstance(current.errno, int) and current.errno > 0:
            text = os.strerror(current.errno)
            return text[:1].lower() + text[1:]
        current = current.__cause__ or current.__context__
    return None


def _plain(reason: str) -> str:
    """A connection failure's text without the names of connection objects or error numbers."""
    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*", "", reason)
    text = re.sub(r"\b\w+\((?:host|pool)=[^)]*\):\s*", "", text)
    text = re.sub(r"\[Errno -?\d+\]\s*", "", text).strip()
    return text[:1].lower() + text[1:]


def in_cli_terms(message: str, command: Optional[Command]) -> str:
    """An SDK message about an argument, with the command line's option in place of the Python name:
    ``VideosApi.get() argument 'video_id': ...`` becomes ``ID: ...``."""

    def option(match: re.Match[str]) -> str:
        arg = command.arg_for(match.group(1)) if command is not None else None
        return arg.label if arg is not None else match.group(1).replace("_", " ")

    message = re.sub(r"\b\w+(?:\.\w+)?\(\) argument '(\w+)'", option, message)
    message = re.sub(r"\b\w+(?:\.\w+)?\(\):?\s*", "", message)
    message = re.sub(r"^'?(\w+)'? must\b", lambda m: f"{option(m)} must", message)
    return redact(message)
