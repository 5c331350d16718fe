"""The base of every ``*Api`` class: operation declarations and the one ``_call`` that runs them.

Generated modules declare each operation once, at import time::

    _GET = Op("GET", "/videos/{videoId}", "VideosApi.get", (P("video_id", "videoId", "path", str, required=True),),
              response=Video)

and each method is a single line: ``return self._call(_GET, (video_id,), options)``. ``_call`` checks the
arguments (types always; enums and ranges unless ``client_side_validation`` is off), turns them into wire form
once, and hands the request to the :class:`ApiClient`.
"""

from __future__ import annotations

import json
import os
from typing import IO, TYPE_CHECKING, Any, Callable, Generic, List, Mapping, Optional, Tuple, TypedDict, TypeVar, Union

from apivideo.api_client import ApiClient
from apivideo.exceptions import ApiException, ApiTypeError
from apivideo.model_utils import Model, validate
from apivideo.wire import encode_path_segment, encode_query, query_pairs

if TYPE_CHECKING:
    from apivideo.upload import ProgressiveSession

T = TypeVar("T")
FileArg = Union[IO[bytes], str, "os.PathLike[str]"]
ProgressListener = Callable[[int, Optional[int]], None]


class CallOptions(TypedDict, total=False):
    """Per-call options of the official client, accepted by every method."""

    async_req: bool
    _return_http_data_only: bool
    _preload_content: bool
    _request_timeout: Union[float, Tuple[float, float], None]
    _check_input_type: bool
    _check_return_type: bool
    _host_index: Optional[int]
    _progress_listener: ProgressListener
    resume: bool


CALL_OPTIONS = frozenset(CallOptions.__annotations__)
_WHERE = ("path", "query", "body", "file", "form")


def resolve(ref: Any) -> Any:
    """A model class given as ``"apivideo.model.video.Video"`` is imported on first use; anything else is returned."""
    if not isinstance(ref, str):
        return ref
    from importlib import import_module

    module, _, name = ref.rpartition(".")
    return getattr(import_module(module), name)


class P:
    """One parameter of an operation: python name, wire name, where it goes, its type and rules.

    A model type may be given by its import path (a string), so that importing an Api module does not import
    every model it mentions.
    """

    __slots__ = ("name", "wire", "where", "_tp", "required", "enum", "minimum", "maximum", "secret", "_check")

    def __init__(
        self,
        name: str,
        wire: str,
        where: str,
        tp: Any,
        *,
        required: bool = False,
        enum: Optional[Tuple[str, ...]] = None,
        minimum: Optional[float] = None,
        maximum: Optional[float] = None,
        secret: bool = False,
    ) -> None:
        assert where in _WHERE, where
        self.name, self.wire, self.where, self._tp = name, wire, where, tp
        self.required, self.enum, self.minimum, self.maximum = required, enum, minimum, maximum
        self.secret = secret  # a credential (an upload token): never repeated in an error
        self._check: Optional[Callable[[Any], Optional[str]]] = None

    @property
    def tp(self) -> Any:
        """The parameter's python type (a model reference is imported on first access)."""
        if isinstance(self._tp, str):
            self._tp = resolve(self._tp)
        return self._tp

    def check(self, value: Any) -> Optional[str]:
        """Why ``value`` does not fit this parameter's type, or None."""
        if self._check is None:
            self._check = _checker(self.tp, self.where)
        return self._check(value)


def _checker(tp: Any, where: str) -> Callable[[Any], Optional[str]]:
    if where == "file":
        return lambda v: (
            None if isinstance(v, (str, bytes, os.PathLike)) or hasattr(v, "read")
            else f"expected an open binary file or a path, got {type(v).__name__}"
        )  # fmt: skip
    if tp is str:
        return lambda v: None if isinstance(v, str) else f"expected str, got {type(v).__name__}"
    from apivideo.validation import type_problem

    return lambda v: type_problem(v, tp)


class Op(Generic[T]):
    """One API operation, declared once per generated module."""

    __slots__ = (
        "method", "route", "name", "params", "_response", "auth", "retry_safe", "upload", "has_secret", "_pieces",
    )  # fmt: skip

    def __init__(
        self,
        method: str,
        route: str,
        name: str,
        params: Tuple[P, ...] = (),
        response: Union[type[T], str, None] = None,
        *,
        auth: bool = True,
        retry_safe: Optional[bool] = None,
        upload: Optional[str] = None,
    ) -> None:
        self.method, self.route, self.name, self.params = method, route, name, params
        self._response = response
        self.auth = auth
        self.retry_safe = retry_safe
        self.upload = upload  # None, "file" (one request) or "chunked" (Content-Range chunks)
        self.has_secret = any(p.secret for p in params)
        self._pieces = _split_route(route)

    @property
    def response(self) -> Optional[type[T]]:
        """The model the answer decodes into (imported on first use), or None for an empty answer."""
        response = self._response
        if isinstance(response, str):
            response = self._response = resolve(response)
        return response

    def __repr__(self) -> str:
        return f"Op({self.method} {self.route} -> {self.name})"


def _split_route(route: str) -> List[str]:
    """``/videos/{videoId}/source`` -> ``["/videos/", "videoId", "/source"]``: literal, name, ..., literal."""
    pieces: List[str] = []
    rest = route
    while "{" in rest:
        literal, _, rest = rest.partition("{")
        name, _, rest = rest.partition("}")
        pieces += [literal, name]
    pieces.append(rest)
    return pieces


class Request:
    """An operation's arguments in wire form, built once by :meth:`EndPoint._prepare`."""

    __slots__ = ("op", "path", "pairs", "body", "file", "form")

    def __init__(
        self, op: Op[Any], path: str, pairs: List[Tuple[str, str]], body: Any, file: Any, form: dict[str, Any]
    ) -> None:
        self.op, self.path, self.pairs, self.body, self.file, self.form = op, path, pairs, body, file, form


class EndPoint:
    """Base class of the generated ``*Api`` classes."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = api_client if api_client is not None else ApiClient()

    def _prepare(
        self, op: Op[Any], values: Tuple[Any, ...], options: Mapping[str, Any], session: bool = False
    ) -> Request:
        for key in options:
            if key not in CALL_OPTIONS or (key == "resume" and op.upload != "chunked"):
                raise ApiTypeError(f"{op.name}() got an unexpected keyword argument '{key}'")
        checks = self.api_client.configuration.client_side_validation
        segments: dict[str, str] = {}
        pairs: List[Tuple[str, str]] = []
        body: Any = None
        file: Any = None
        form: dict[str, Any] = {}
        for p, value in zip(op.params, values):
            if value is None:
                if p.required and not (session and p.where == "file"):
                    raise ApiTypeError(f"{op.name}() missing required argument '{p.name}'")
                continue
            problem = p.check(value)
            if problem:
                raise ApiTypeError(f"{op.name}() argument '{p.name}': {problem}")
            if checks and (p.enum or p.minimum is not None or p.maximum is not None):
                from apivideo.validation import check_value

                check_value(f"{op.name}() argument '{p.name}'", value, p.enum, p.minimum, p.maximum)
            where = p.where
            if where == "path":
                segments[p.wire] = encode_path_segment(p.name, value, f"{op.name}()")
            elif where == "query":
                if checks and isinstance(value, Model):
                    validate(value, f"{op.name}() argument '{p.name}'")
                pairs.extend(query_pairs(p.wire, value))
            elif where == "body":
                if checks and isinstance(value, Model):
                    validate(value, f"{op.name}() argument '{p.name}'")
                body = value
            elif where == "file":
                file = value
            else:
                form[p.wire] = value
        pieces = op._pieces
        path = pieces[0] if len(pieces) == 1 else "".join(
            piece if i % 2 == 0 else segments[piece] for i, piece in enumerate(pieces)
        )  # fmt: skip
        return Request(op, path, pairs, body, file, form)

    def _call(self, op: Op[T], values: Tuple[Any, ...], options: Mapping[str, Any]) -> T:
        """Check the arguments, build the request once, send it and return the decoded answer."""
        try:
            return self._send(op, values, options)
        except ApiException as exc:
            if op.has_secret:
                exc.redact([v for p, v in zip(op.params, values) if p.secret and isinstance(v, str)])
            raise

    def _send(self, op: Op[T], values: Tuple[Any, ...], options: Mapping[str, Any]) -> T:
        req = self._prepare(op, values, options)
        if op.upload is not None:
            from apivideo import upload

            return upload.send(self.api_client, req, options)  # type: ignore[no-any-return]
        body: Optional[bytes] = None
        headers: Optional[dict[str, str]] = None
        if req.body is not None:
            wire = req.body.to_wire() if isinstance(req.body, Model) else req.body
            body = json.dumps(wire, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json"}
        return self.api_client.call(  # type: ignore[no-any-return]
            op.method,
            op.route,
            req.path,
            encode_query(req.pairs) if req.pairs else "",
            body,
            op.response,
            headers=headers,
            auth=op.auth,
            retry_safe=op.retry_safe,
            options=options,
        )

    def _session(self, op: Op[Any], values: Tuple[Any, ...]) -> ProgressiveSession:
        """Open a progressive upload session for a chunked upload operation (the file is given per part)."""
        from apivideo.upload import ProgressiveSession

        return ProgressiveSession(self.api_client, self._prepare(op, values, {}, session=True))
