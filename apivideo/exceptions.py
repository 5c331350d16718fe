"""The error tree of the SDK.

OpenApiException
+-- ApiTypeError, ApiValueError, ApiAttributeError, ApiKeyError   programmer errors, raised before any request
+-- ApiException                                                  what a request ended with
    +-- BadRequestException 400, UnauthorizedException 401, ForbiddenException 403,
    |   NotFoundException 404, ConflictException 409, TooManyRequestsException 429,
    |   ServiceException 5xx
    +-- ApiConnectionException                                    no (complete) response
    |   +-- ApiTimeoutException
    +-- ApiAuthException                                          the API key or refresh token was refused
    +-- UploadError                                               an upload stopped part way
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

PathItem = Union[str, int]


def render_path(path_to_item: Sequence[PathItem]) -> str:
    """Render a path such as ``['data', 0, 'title']`` as ``['data'][0]['title']``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f"['{p}']" for p in path_to_item)


class OpenApiException(Exception):
    """Base class of every exception raised by the SDK."""


class _ProgrammerError(OpenApiException):
    def __init__(self, msg: str, path_to_item: Optional[Sequence[PathItem]] = None) -> None:
        self.path_to_item = list(path_to_item) if path_to_item else None
        super().__init__(f"{msg} at {render_path(path_to_item)}" if path_to_item else msg)


class ApiTypeError(_ProgrammerError, TypeError):
    """An argument or field has the wrong type, or an unknown keyword was passed."""

    def __init__(
        self,
        msg: str,
        path_to_item: Optional[Sequence[PathItem]] = None,
        valid_classes: Optional[tuple[type, ...]] = None,
        key_type: Optional[bool] = None,
    ) -> None:
        self.valid_classes = valid_classes
        self.key_type = key_type
        super().__init__(msg, path_to_item)


class ApiValueError(_ProgrammerError, ValueError):
    """An argument or field has a value the API does not accept."""


class ApiAttributeError(_ProgrammerError, AttributeError):
    """A model has no such attribute."""


class ApiKeyError(_ProgrammerError, KeyError):
    """A model has no such key."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ApiException(OpenApiException):
    """A request failed: the server answered with an error, or did not answer at all.

    ``status``, ``reason``, ``headers`` and ``body`` (text) describe the HTTP answer. When the body is an
    api.video problem document, its ``type``, ``title``, ``name``, ``detail`` and ``problems`` are exposed too.
    """

    def __init__(
        self,
        status: Optional[int] = None,
        reason: Optional[str] = None,
        http_resp: Any = None,
        *,
        body: Union[str, bytes, None] = None,
        headers: Optional[Mapping[str, str]] = None,
        route: Optional[str] = None,
    ) -> None:
        if http_resp is not None:
            status = http_resp.status if status is None else status
            reason = http_resp.reason if reason is None else reason
            body = http_resp.data if body is None else body
            headers = http_resp.headers if headers is None else headers
        self.status = status
        self.reason = reason
        self.headers: Dict[str, str] = dict(headers) if headers else {}
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        self.body = body
        self.route = route
        problem = _parse_problem(body)
        self.problem: Dict[str, Any] = problem
        self.type: Optional[str] = _str_or_none(problem.get("type"))
        self.title: Optional[str] = _str_or_none(problem.get("title"))
        self.name: Optional[str] = _str_or_none(problem.get("name"))
        self.detail: Optional[str] = _str_or_none(problem.get("detail"))
        problems = problem.get("problems")
        self.problems: List[Dict[str, Any]] = (
            [p for p in problems if isinstance(p, dict)] if isinstance(problems, list) else []
        )
        super().__init__(status, reason)

    def __str__(self) -> str:
        parts = [f"({self.status})" if self.status is not None else "(no response)"]
        if self.title:
            parts.append(self.title)
        elif self.reason:
            parts.append(self.reason)
        if self.name:
            parts.append(f"[{self.name}]")
        if self.detail:
            parts.append(f"- {self.detail}")
        if self.route:
            parts.append(f"on {self.route}")
        if not self.problem and self.body:
            text = " ".join(self.body.split())
            parts.append(f"body: {text[:200]}{'...' if len(text) > 200 else ''}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, reason={self.reason!r}, title={self.title!r})"

    def redact(self, secrets: list[str]) -> None:
        """Hide these values (e.g. an upload token the server echoed) everywhere in this exception."""
        secrets = [s for s in secrets if s]
        if not secrets:
            return

        def clean(value: Any) -> Any:
            if isinstance(value, str):
                for secret in secrets:
                    value = value.replace(secret, "<hidden>")
                return value
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        for attr in ("body", "reason", "type", "title", "name", "detail", "problem", "problems"):
            setattr(self, attr, clean(getattr(self, attr)))
        self.args = tuple(clean(a) for a in self.args)


def _str_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else (None if value is None else str(value))


def _parse_problem(body: Optional[str]) -> Dict[str, Any]:
    if not body or body.lstrip()[:1] != "{":
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class BadRequestException(ApiException):
    """400: the request was refused; ``problems`` lists what was wrong."""


class UnauthorizedException(ApiException):
    """401: missing or expired credentials."""


class ForbiddenException(ApiException):
    """403: the credentials do not allow this operation."""


class NotFoundException(ApiException):
    """404: no such resource."""


class ConflictException(ApiException):
    """409: the resource is in a state that does not allow this operation."""


class TooManyRequestsException(ApiException):
    """429: rate limited. ``retry_after`` is the wait the server asked for, in seconds, when known."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServiceException(ApiException):
    """5xx: the server failed."""


class ApiConnectionException(ApiException):
    """The request got no complete answer: connection refused or reset, DNS or TLS failure."""

    def __init__(self, reason: str, *, route: Optional[str] = None) -> None:
        super().__init__(None, reason, route=route)

    def __str__(self) -> str:
        where = f" on {self.route}" if self.route else ""
        return f"{type(self).__name__}: {self.reason}{where}"


class ApiTimeoutException(ApiConnectionException):
    """The server did not answer in time."""


class ApiAuthException(ApiException):
    """The API key or the refresh token was refused, or the token answer was malformed."""

    def __init__(
        self, status: Union[int, str, None] = None, reason: Optional[str] = None, http_resp: Any = None, **kw: Any
    ) -> None:
        if isinstance(status, str) and reason is None:  # ApiAuthException("message")
            status, reason = None, status
        super().__init__(status if isinstance(status, int) else None, reason, http_resp, **kw)

    def __str__(self) -> str:
        base = super().__str__()
        return base if self.reason and self.reason in base else f"{base} {self.reason or ''}".strip()


class ApiAuthConnectionException(ApiAuthException, ApiConnectionException):
    """The token exchange got no answer: caught both as an authentication and as a connection failure."""

    def __init__(self, reason: str, *, route: Optional[str] = None) -> None:
        ApiConnectionException.__init__(self, reason, route=route)

    def __str__(self) -> str:
        return ApiConnectionException.__str__(self)


class UploadError(ApiException):
    """An upload stopped part way; ``video_id``, ``bytes_acknowledged`` and ``parts_acknowledged`` say where.

    Resume it with ``VideosApi.upload(video_id, file, resume=True)``; only the missing bytes are sent again.
    """

    def __init__(
        self,
        message: str,
        *,
        cause: Optional[ApiException] = None,
        video_id: Optional[str] = None,
        bytes_acknowledged: int = 0,
        parts_acknowledged: int = 0,
    ) -> None:
        super().__init__(
            cause.status if cause else None,
            message,
            body=cause.body if cause else None,
            headers=cause.headers if cause else None,
            route=cause.route if cause else None,
        )
        self.cause = cause
        self.video_id = video_id
        self.bytes_acknowledged = bytes_acknowledged
        self.parts_acknowledged = parts_acknowledged

    def __str__(self) -> str:
        return str(self.reason)


_BY_STATUS: Dict[int, type[ApiException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    409: ConflictException,
    429: TooManyRequestsException,
}


def from_response(
    status: int,
    reason: Optional[str],
    body: Union[str, bytes, None],
    headers: Mapping[str, str],
    route: Optional[str] = None,
    retry_after: Optional[float] = None,
) -> ApiException:
    """Build the exception that matches an HTTP error answer (one dict lookup)."""
    cls = _BY_STATUS.get(status) or (ServiceException if status >= 500 else ApiException)
    if cls is TooManyRequestsException:
        return TooManyRequestsException(
            status, reason, body=body, headers=headers, route=route, retry_after=retry_after
        )
    return cls(status, reason, body=body, headers=headers, route=route)
