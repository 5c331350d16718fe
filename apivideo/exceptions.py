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
    |   +-- UploadCancelled                                       ... because it was cancelled
    +-- EncodingFailed                                            the video could not be encoded
        +-- WaitTimeout                                           ... or did not become playable in time
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Tuple, Union

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
            body = _body_text(body)
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

    def redact(self, secrets: Sequence[str]) -> None:
        """Hide these values (an upload token the server echoed, say) everywhere in this exception."""
        secrets = _worth_hiding(secrets)
        if not secrets:
            return

        def clean(value: Any) -> Any:
            return scrub(value, secrets) if isinstance(value, str) else value

        for attr in ("body", "reason", "type", "title", "name", "detail"):  # (the route is the SDK's template)
            setattr(self, attr, clean(getattr(self, attr)))
        if isinstance(self.body, str):
            self.body = _hide_cut_tail(self.body, secrets)
        self.headers = {clean(k): clean(v) for k, v in self.headers.items()}
        self.args = tuple(clean(a) for a in self.args)
        # The problem fields are read again from the cleaned body: no walk through a (deeply) nested document. A
        # secret the server wrote with escapes of its own (\u0041 for A, say) is whole again once parsed: then the
        # parsed document, written back out, is cleaned and parsed once more.
        if self.problem:
            problem = _parse_problem(self.body)
            try:
                text = json.dumps(problem, ensure_ascii=False)
            except (ValueError, RecursionError):
                text = ""
            if any(secret in text for secret in secrets):
                self.body = scrub(text, secrets)
                problem = _parse_problem(self.body)
            self.problem = problem
            for attr in ("type", "title", "name", "detail"):
                setattr(self, attr, _str_or_none(problem.get(attr)))
            problems = problem.get("problems")
            self.problems = [p for p in problems if isinstance(p, dict)] if isinstance(problems, list) else []
        elif isinstance(self.body, str) and "\\" in self.body:
            # Not a problem document (cut at its size limit, an array, ...) but maybe JSON: a secret written with
            # \u escapes or as \/ is found once they are read, and then the body is shown with them read.
            plain = _read_escapes(self.body)
            if any(secret in plain for secret in secrets):
                self.body = _hide_cut_tail(scrub(plain, secrets), secrets)

    def __reduce__(self) -> Any:
        return _restore, (type(self), None, self.args, self.__dict__)


def _str_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else (None if value is None else str(value))


def _parse_problem(body: Optional[str]) -> Dict[str, Any]:
    if not body or body.lstrip()[:1] != "{":
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
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
        """The SDK's own sentence (which already quotes the answer's status and title) and the route, once."""
        if not self.reason:
            return super().__str__()
        where = f" on {self.route}" if self.route and self.route not in self.reason else ""
        return f"{self.reason}{where}"


class ApiAuthConnectionException(ApiAuthException, ApiConnectionException):
    """The token exchange got no answer: caught both as an authentication and as a connection failure."""

    def __init__(self, reason: str, *, route: Optional[str] = None) -> None:
        ApiConnectionException.__init__(self, reason, route=route)

    def __str__(self) -> str:
        return ApiConnectionException.__str__(self)


class UploadError(ApiException):
    """An upload stopped part way; ``video_id``, ``bytes_acknowledged`` and ``parts_acknowledged`` say where, and
    ``cause`` is what stopped it.

    When an answer of the API or the network stopped it, the error is also an instance of that cause's class, so
    ``except NotFoundException`` or ``except ApiConnectionException`` still catch it. Resume with
    ``VideosApi.upload(video_id, file, resume=True)``: only the missing bytes are sent again.
    """

    _cause_class: ClassVar[Optional[type]] = None

    def __init__(
        self,
        message: str,
        *,
        cause: Optional[BaseException] = None,
        video_id: Optional[str] = None,
        bytes_acknowledged: int = 0,
        parts_acknowledged: int = 0,
    ) -> None:
        api_cause = cause if isinstance(cause, ApiException) else None
        ApiException.__init__(
            self,
            api_cause.status if api_cause else None,
            message,
            body=api_cause.body if api_cause else None,
            headers=api_cause.headers if api_cause else None,
            route=api_cause.route if api_cause else None,
        )
        self.cause = cause
        self.video_id = video_id
        self.bytes_acknowledged = bytes_acknowledged
        self.parts_acknowledged = parts_acknowledged
        if api_cause is not None and hasattr(api_cause, "retry_after"):
            self.retry_after = api_cause.retry_after

    @classmethod
    def of(cls, cause: BaseException, message: str, **details: Any) -> UploadError:
        """An UploadError that is also an instance of the cause's class (when the cause is an ApiException)."""
        kind = _upload_error_class(type(cause)) if isinstance(cause, ApiException) else UploadError
        error: UploadError = kind(message, cause=cause, **details)
        return error

    def __str__(self) -> str:
        return str(self.reason)

    def __reduce__(self) -> Any:
        return _restore, (UploadError, self._cause_class, self.args, self.__dict__)


class UploadCancelled(UploadError):
    """An upload was cancelled (its ``cancel`` event was set); it can be resumed like any stopped upload."""


_UPLOAD_ERRORS: Dict[type, type] = {}


def _upload_error_class(cause_class: type) -> type:
    """``UploadError`` combined with the class of what stopped the upload (one class per cause class)."""
    if issubclass(cause_class, UploadError) or cause_class is ApiException:
        return UploadError
    kind = _UPLOAD_ERRORS.get(cause_class)
    if kind is None:
        namespace = {"__module__": __name__, "__qualname__": "UploadError", "_cause_class": cause_class}
        kind = _UPLOAD_ERRORS.setdefault(cause_class, type("UploadError", (UploadError, cause_class), namespace))
    return kind


def _restore(cls: type, cause_class: Optional[type], args: Any, state: Dict[str, Any]) -> Any:
    """Rebuild a pickled exception (their constructors differ, so none is called)."""
    if cause_class is not None:
        cls = _upload_error_class(cause_class)
    obj = cls.__new__(cls, *args)
    obj.args = args
    obj.__dict__.update(state)
    return obj


class _Hidden(Tuple[str, ...]):
    """Secrets ready to hide: each as given and as a JSON string would quote it, longest first."""


def _worth_hiding(secrets: Sequence[str]) -> _Hidden:
    if isinstance(secrets, _Hidden):
        return secrets
    forms: set[str] = set()
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            quoted = json.dumps(secret)[1:-1]
            forms.update((secret, quoted, quoted.replace("/", "\\/"), json.dumps(secret, ensure_ascii=False)[1:-1]))
    return _Hidden(sorted(forms, key=len, reverse=True))  # a secret inside a longer one: the longer goes first


def _body_text(body: bytes) -> str:
    """An answer's body as text: in the encoding JSON's first bytes show (UTF-8, or UTF-16 or 32, as ``json.loads``
    reads them), UTF-8 for any other body."""
    return body.decode(json.detect_encoding(body), "replace")


def _read_escapes(text: str) -> str:
    """``text`` with JSON's ``\\uXXXX`` and ``\\/`` escapes read (the others left as they are)."""
    import re

    return re.sub(r"\\u([0-9a-fA-F]{4})|\\/", lambda m: chr(int(m[1], 16)) if m[1] else "/", text)


def _hide_cut_tail(text: str, secrets: Sequence[str]) -> str:
    """``text`` without the start of a secret at its very end (a body cut at its size limit inside a secret)."""
    for secret in secrets:
        for size in range(len(secret) - 1, 7, -1):
            if text.endswith(secret[:size]):
                return text[:-size] + "<hidden>"
    return text


def _attributes(exc: BaseException) -> str:
    try:
        return repr(vars(exc))
    except (TypeError, RecursionError):
        return ""


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced by ``<hidden>``."""
    for secret in _worth_hiding(secrets):
        if secret in text:
            text = text.replace(secret, "<hidden>")
    return text


def redact(exc: BaseException, secrets: Sequence[str]) -> None:
    """Hide ``secrets`` in an exception and in every exception chained to it. A chained exception that is not the
    SDK's own (a ValueError of http.client, say) and whose text holds a secret is cut from the chain."""
    secrets = _worth_hiding(secrets)
    seen = set()
    current: Optional[BaseException] = exc
    while secrets and current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ApiException):
            current.redact(secrets)
            if isinstance(current, UploadError) and current.cause is not None:
                redact(current.cause, secrets)
        elif isinstance(current, OpenApiException):
            current.args = tuple(scrub(a, secrets) if isinstance(a, str) else a for a in current.args)
        following = current.__cause__ or current.__context__
        if following is not None and not isinstance(following, OpenApiException):
            text = f"{following!s} {following.args!r} {_attributes(following)}"
            if any(secret in text for secret in secrets):
                current.__cause__ = current.__context__ = None
                current.__suppress_context__ = True
                return
        current = following


class EncodingFailed(ApiException):
    """The video was received but could not be encoded (every quality failed)."""

    def __init__(self, message: str, *, video_id: Optional[str] = None) -> None:
        super().__init__(None, message)
        self.video_id = video_id

    def __str__(self) -> str:
        return str(self.reason)


class WaitTimeout(EncodingFailed):
    """Waiting for a video to become playable took longer than allowed (it may still become playable)."""


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
    if status < 400:  # a redirect: its body is not a problem document
        error = ApiException(status, reason, headers=headers, route=route)
        error.body = _body_text(body) if isinstance(body, bytes) else body
        return error
    cls = _BY_STATUS.get(status) or (ServiceException if status >= 500 else ApiException)
    if cls is TooManyRequestsException:
        return TooManyRequestsException(
            status, reason, body=body, headers=headers, route=route, retry_after=retry_after
        )
    return cls(status, reason, body=body, headers=headers, route=route)
