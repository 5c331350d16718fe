"""The base of every ``*Api`` class: operations declared as data, and the one ``_call`` that runs them.

Generated modules declare each operation once, at import time::

    _GET = Operation("GET", "/videos/{videoId}", "VideosApi.get",
                     (Param("video_id", "videoId", "path", str, required=True),), response="apivideo.model.video.Video")

and each method is one line, ``return self._call(_GET, locals())``: the arguments reach the core by name.
``_call`` checks them, turns them into one :class:`~apivideo.request.PreparedRequest` and sends it; an upload
operation hands that request to the upload strategy instead, which sends one request per chunk.
"""

from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional, Tuple, TypeVar, Union

from apivideo.api_client import ApiClient
from apivideo.options import CALL_OPTIONS, UPLOAD_OPTIONS, as_requested
from apivideo.request import UPLOAD, PreparedRequest
from apivideo.wire import JSON_HEADERS, encode_json, encode_path_segment, encode_query, query_pairs

if TYPE_CHECKING:
    from apivideo.retry import RetryPolicy
    from apivideo.upload import ProgressiveSession

T = TypeVar("T")
FileArg = Union[IO[bytes], bytes, str, "os.PathLike[str]"]


_WHERE = ("path", "query", "body", "file", "form")


def resolve(ref: Any) -> Any:
    """A model class given as ``"apivideo.model.video.Video"`` is imported on first use; anything else is returned."""
    if not isinstance(ref, str):
        return ref
    from importlib import import_module

    module, _, name = ref.rpartition(".")
    return getattr(import_module(module), name)


class Param:
    """One parameter of an operation: python name, wire name, where it goes, its type and the API's rules.

    A model type may be given by its import path (a string), so that importing an Api module does not import
    every model it mentions.
    """

    __slots__ = ("name", "wire", "where", "_tp", "required", "enum", "minimum", "maximum", "secret", "_check",
                 "has_rules", "plain")  # fmt: skip

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
        # enums, ranges or a model to check (a model may stand in any place: a body, an analytics filter...)
        self.has_rules = enum is not None or minimum is not None or maximum is not None or where not in ("path", "file")
        # a value of exactly this type always fits (an id is a str): no need to run the type check
        self.plain = tp if tp in (str, int, float, bool) else None

    @property
    def tp(self) -> Any:
        """The parameter's python type (a model reference is imported on first access)."""
        if isinstance(self._tp, str):
            self._tp = resolve(self._tp)
        return self._tp

    def check(self, value: Any) -> Optional[str]:
        """Why ``value`` does not fit this parameter's type, or None."""
        if self._check is None:
            from apivideo.validation import checker

            self._check = checker(self.tp, self.where)
        return self._check(value)


class Operation(Generic[T]):
    """One API operation, declared once per generated module.

    ``upload`` is None, ``"file"`` (one multipart request) or ``"chunked"`` (Content-Range chunks, resumable);
    ``lookups`` names the Api methods that read a video's upload status and the video itself, which resuming
    needs (the core is given those methods; it never imports generated code).
    """

    __slots__ = ("method", "route", "name", "params", "_response", "auth", "retry_safe", "upload", "lookups",
                 "options")  # fmt: skip

    def __init__(
        self,
        method: str,
        route: str,
        name: str,
        params: Tuple[Param, ...] = (),
        response: Union[type[T], str, None] = None,
        *,
        auth: bool = True,
        retry_safe: Optional[bool] = None,
        upload: Optional[str] = None,
        lookups: Optional[Tuple[str, str]] = None,
    ) -> None:
        self.method, self.route, self.name, self.params = method, route, name, params
        self._response = response
        self.auth = auth
        self.retry_safe = retry_safe
        self.upload = upload
        self.lookups = lookups
        self.options = UPLOAD_OPTIONS if upload == "chunked" else CALL_OPTIONS

    @property
    def response(self) -> Optional[type[T]]:
        """The model the answer decodes into (imported on first use), or None for an empty answer."""
        response = self._response
        if isinstance(response, str):
            response = self._response = resolve(response)
        return response

    def prepare(
        self, args: Mapping[str, Any], rules: bool, session: bool = False, types: bool = True
    ) -> PreparedRequest:
        """Check the arguments (types unless ``types`` is off; enums, ranges and models when ``rules``) and build the
        request once.
        The file and form fields of an upload are not part of it: the upload strategy makes a body per chunk."""
        segments: Dict[str, str] = {}
        pairs: List[Tuple[str, str]] = []
        body: Any = None
        secrets: Tuple[str, ...] = ()
        for p in self.params:
            value = args.get(p.name)
            if value is None:
                if p.required and not (session and p.where == "file"):
                    from apivideo.exceptions import ApiTypeError

                    raise ApiTypeError(f"{self.name}() missing required argument '{p.name}'")
                continue
            if (types and type(value) is not p.plain and p.check(value) is not None) or (rules and p.has_rules):
                from apivideo.validation import check_argument

                check_argument(self.name, p, value, rules, types)
            if p.secret:
                secrets += (value,)
            if p.where == "path":
                segments[p.wire] = encode_path_segment(p.name, value, f"{self.name}()")
            elif p.where == "query":
                pairs.extend(query_pairs(p.wire, value))
            elif p.where == "body":
                body = encode_json(value)
        path = self.route.format_map(segments) if segments else self.route  # each {name} of the route filled
        return PreparedRequest(
            self.method, self.route, path, encode_query(pairs) if pairs else "",
            dict(JSON_HEADERS) if body is not None else None, body, self.response, auth=self.auth,
            replay_safe=self.retry_safe, secrets=secrets, bucket=UPLOAD if self.upload == "chunked" else None,
        )  # fmt: skip

    def form(self, args: Mapping[str, Any]) -> Dict[str, Any]:
        """The multipart text fields of an upload (``videoId`` of a token upload)."""
        return {p.wire: args[p.name] for p in self.params if p.where == "form" and args.get(p.name) is not None}

    def __repr__(self) -> str:
        return f"Operation({self.method} {self.route} -> {self.name})"


class EndPoint:
    """Base class of the generated ``*Api`` classes."""

    _defaults: Mapping[str, Any] = {}

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = api_client if api_client is not None else ApiClient()

    def with_options(
        self,
        *,
        timeout: Union[float, Tuple[float, float], None] = None,
        retries: Union[RetryPolicy, int, None] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """A view of this Api object whose calls use these options, sharing the same client (its connections,
        credentials and rate-limit budget). ``timeout`` is ``_request_timeout``, ``retries`` a
        :class:`~apivideo.RetryPolicy` or a number of retries, ``headers`` extra request headers. An option given
        to a call wins over the view's."""
        from copy import copy

        defaults = dict(self._defaults)
        for key, value in (("_request_timeout", timeout), ("_retries", retries), ("_headers", headers)):
            if value is not None:
                defaults[key] = {**defaults.get(key, {}), **value} if isinstance(value, Mapping) else value
        from apivideo.validation import check_options

        check_options(f"{type(self).__name__}.with_options", defaults, CALL_OPTIONS)
        view = copy(self)
        view._defaults = defaults
        return view

    def _call(self, op: Operation[T], args: Mapping[str, Any]) -> T:
        """Check the arguments, build the request once, send it and return what the caller asked for."""
        options: Mapping[str, Any] = args["options"]
        client = self.api_client
        if self._defaults:
            options = _merged(self._defaults, options)
        if options:
            from apivideo.validation import check_options

            check_options(op.name, options, op.options)
            if options.get("async_req"):
                rest = {k: v for k, v in options.items() if k != "async_req"}
                return client.submit(self._call, op, {**args, "options": rest})  # type: ignore[return-value]
        types = not options or options.get("_check_input_type", True) is not False
        request = op.prepare(args, client.configuration.client_side_validation, types=types)
        if op.upload is None:
            return as_requested(client.send(request, options), options)  # type: ignore[no-any-return]
        from apivideo.upload import send_file

        lookups = tuple(getattr(self, name) for name in op.lookups) if op.lookups else None
        return send_file(client, op, request, args, options, lookups)  # type: ignore[no-any-return]

    def _session(self, op: Operation[Any], args: Mapping[str, Any]) -> ProgressiveSession:
        """Open a progressive upload session for a chunked upload operation (the file is given per part)."""
        from apivideo.upload import ProgressiveSession

        client = self.api_client
        request = op.prepare(args, client.configuration.client_side_validation, session=True)
        return ProgressiveSession(client, request, op.form(args), op.name, defaults=self._defaults)


def _merged(defaults: Mapping[str, Any], options: Mapping[str, Any]) -> Dict[str, Any]:
    merged = {**defaults, **options}
    if "_headers" in defaults and options.get("_headers"):
        merged["_headers"] = {**defaults["_headers"], **options["_headers"]}
    return merged
