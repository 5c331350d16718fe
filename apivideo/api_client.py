"""ApiClient: sends prepared requests. Credentials, retries, redaction and decoding each happen here, once."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

from apivideo._version import __version__
from apivideo.configuration import Configuration
from apivideo.exceptions import (
    ApiConnectionException,
    ApiException,
    ApiValueError,
    OpenApiException,
    from_response,
    redact,
    scrub,
)
from apivideo.model_utils import Model
from apivideo.options import as_requested
from apivideo.request import PreparedRequest
from apivideo.rest import MAX_ERROR_BODY, ConnectionNotEstablished, RESTClientObject, read_error_body
from apivideo.retry import as_policy, parse_retry_after, retry_delay
from apivideo.wire import JSON_HEADERS, encode_json, encode_path_segment, encode_query, query_pairs

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from apivideo.ratelimit import RateLimit

log = logging.getLogger("apivideo")
NO_OPTIONS: Mapping[str, Any] = {}
AUTH_SETTINGS = ["apiKey"]  # the spec's security scheme, passed to update_params_for_auth as the official client does
_ORIGIN_NAME = r"[\w\-]{1,50}"  # compiled on first use (re caches it): compiling at import costs more than the module
_ORIGIN_VERSION = r"\d{1,3}(\.\d{1,3}(\.\d{1,3})?)?"


class ApiClient:
    """Sends requests to api.video. Usable as a context manager; ``close()`` releases every connection.

    Works without credentials (upload-token uploads need none). Use :class:`AuthenticatedApiClient` for the
    API-key flow, or ``Configuration(username=API_KEY)`` for HTTP Basic.
    """

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
        pool_threads: int = 1,
    ) -> None:
        self.configuration = configuration if configuration is not None else Configuration()
        self.pool_threads = pool_threads
        self.rest_client = RESTClientObject(self.configuration)
        self.default_headers: Dict[str, str] = {
            "Accept": "application/json",
            "AV-Origin-Client": f"python:{__version__}",
        }
        if header_name is not None:
            self.set_default_header(header_name, header_value or "")
        self.cookie = None if cookie is None else _check_header("Cookie", cookie)
        self.last_response: Any = None
        self._sleep = time.sleep  # replaced in tests so that retries do not wait
        self._start_process_state()
        _live(self)

    def _start_process_state(self) -> None:
        """What belongs to one process (threads, locks, the transport check); made again after ``fork()``."""
        self._executor: Optional[ThreadPoolExecutor] = None
        self._executor_lock = threading.Lock()
        self._checked_host: Optional[Tuple[str, bool]] = None
        self._checked_authorization = _Secret("")  # the last Authorization value found safe to send
        from apivideo.ratelimit import RateLimits  # with the first client, not at import

        self._pacer = RateLimits()

    # -- official header helpers ---------------------------------------------------------------

    def set_default_header(self, header_name: str, header_value: str) -> None:
        self.default_headers[header_name] = _check_header(header_name, header_value)

    def set_application_name(self, application_name: str, application_version: str) -> None:
        """Identify your application to api.video (``AV-Origin-App: name:version``)."""
        self._set_origin("application", "AV-Origin-App", application_name, application_version)

    def set_sdk_name(self, sdk_name: str, sdk_version: str) -> None:
        """Identify an SDK built on this one (``AV-Origin-Sdk: name:version``)."""
        self._set_origin("sdk", "AV-Origin-Sdk", sdk_name, sdk_version)

    def _set_origin(self, kind: str, header: str, name: Optional[str], version: Optional[str]) -> None:
        import re

        if not name and not version:
            return
        if not name or not version:
            raise ApiValueError(f"{kind} name and {kind} version must be given together")
        if not isinstance(name, str) or not re.fullmatch(_ORIGIN_NAME, name, re.ASCII):
            raise ApiValueError(f"invalid {kind} name {name!r}: use 1 to 50 of A-Z, a-z, 0-9, '-', '_'")
        if not isinstance(version, str) or not re.fullmatch(_ORIGIN_VERSION, version):
            raise ApiValueError(f"invalid {kind} version {version!r}: use the x[.y[.z]] form, up to 3 digits each")
        self.default_headers[header] = f"{name}:{version}"

    @property
    def user_agent(self) -> Optional[str]:
        return self.default_headers.get("User-Agent")

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.set_default_header("User-Agent", value)

    # -- credentials: the official hook, and the 401 hook ---------------------------------------

    def update_params_for_auth(
        self, headers: Dict[str, str], querys: Any, auth_settings: Optional[Sequence[str]], resource_path: str,
        method: str, body: Any,
    ) -> None:  # fmt: skip
        """Add the credentials of this client to ``headers`` (the official client's hook, called before every
        authenticated request: override it to customise or stub authentication). Here: HTTP Basic when
        ``configuration.username`` is set, else a bearer ``configuration.access_token``."""
        if not auth_settings:
            return
        cfg = self.configuration
        if cfg.username:
            import base64

            raw = f"{cfg.username}:{cfg.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        elif cfg.access_token:
            headers["Authorization"] = f"Bearer {cfg.access_token}"

    @property
    def has_credentials(self) -> bool:
        """Whether requests of this client carry credentials of their own (HTTP Basic or a bearer token)."""
        return bool(self.configuration.username or self.configuration.access_token)

    def _on_unauthorized(self, used: Mapping[str, str]) -> bool:
        """Called once on a 401; return True to replay the request (after renewing credentials)."""
        return False

    def _held_secrets(self) -> Tuple[str, ...]:
        """Every credential this client holds, sent with the request or not: hidden in its errors too, since a
        server may quote any of them."""
        cfg = self.configuration
        keys = cfg.api_key.values() if isinstance(cfg.api_key, dict) else (cfg.api_key,)
        cookies = self.cookie.split(";") if isinstance(self.cookie, str) else ()
        held = (*keys, cfg.username, cfg.password, cfg.access_token, self.cookie)  # (api.video's Basic user: the key)
        held += tuple(c.partition("=")[2].strip() for c in cookies)  # each cookie's value alone too
        return tuple(v for v in held if isinstance(v, str) and v)

    def _check_transport(self, host: str) -> None:
        cfg = self.configuration
        key = (host, cfg.allow_insecure_http)
        if self._checked_host == key:
            return
        if host.startswith("http://") and not is_loopback(host) and not cfg.allow_insecure_http:
            raise ApiValueError(
                f"refusing to send credentials over plain http to {host}; use https, or allow it explicitly"
                " with Configuration(allow_insecure_http=True)"
            )
        self._checked_host = key

    # -- the request path ----------------------------------------------------------------------

    def send(self, request: PreparedRequest, options: Mapping[str, Any] = NO_OPTIONS) -> Tuple[Any, Any]:
        """Send one prepared request and return ``(decoded value, response)``.

        Adds the client's headers and credentials, runs the only retry loop, replays once after a 401 with renewed
        credentials, and decodes the answer into ``request.response``. Every error raised here has passed the one
        redaction point, so no credential of the request appears in it. ``options`` are the per-call options:
        ``_request_timeout``, ``_retries``, ``_headers`` and ``_preload_content``; what to return from the answer
        is the caller's business (:func:`apivideo.request.as_requested`).
        """
        cfg = self.configuration
        headers = {**self.default_headers, **request.headers}
        if self.cookie:
            headers["Cookie"] = self.cookie
        policy = cfg.retries
        timeout = None
        preload = True
        wait: Callable[[float], Any] = self._sleep
        if options:
            timeout = options.get("_request_timeout")
            preload = options.get("_preload_content", True) is not False
            if options.get("_headers"):
                _merge_headers(headers, options["_headers"])
            if options.get("_retries") is not None:
                policy = as_policy(options["_retries"])
            if options.get("_host_index") is not None:
                request = request.replace(host=cfg.get_host_from_settings(options["_host_index"]))
            if options.get("cancel") is not None:
                wait = _cancellable(options["cancel"], wait)
        host = cfg.host
        if request.carries_credentials:
            self._check_transport(request.host or host)
        url = request.url(host)
        label = request.label
        sent: Tuple[str, ...] = ()  # each Authorization sent (a replay after a 401 sends another): hidden in errors
        pacer = self._pacer
        pacing = cfg.rate_limit_pacing
        started = time.monotonic()
        retry_number = 0
        replayed = False
        try:
            while True:
                if pacing:
                    pacer.wait_for(request, policy.max_retry_after, wait)
                if request.auth:
                    url = self._authenticate(request, headers, url)
                    authorization = headers.get("Authorization")
                    if authorization is not None:  # the only header the hook sets; the others were checked
                        if authorization not in sent:
                            sent += (authorization,)
                        if authorization != self._checked_authorization.value:  # once per token, not per call
                            _check_header("Authorization", authorization)
                            self._checked_authorization = _Secret(authorization)
                try:
                    resp = self.rest_client.request(request.method, url, headers, request.body, timeout, preload, label)
                except ApiConnectionException as exc:
                    delay = retry_delay(
                        policy, retry_number, status=None, retry_after=None, elapsed=time.monotonic() - started,
                        retry_safe=request.replay_safe or isinstance(exc, ConnectionNotEstablished),
                    )  # fmt: skip
                    if delay is None:
                        raise
                    hidden = _with_credentials(request.secrets + self._held_secrets(), sent)
                    self._before_retry(label, scrub(exc.reason or "a connection error", hidden), policy, retry_number,
                                       delay)  # fmt: skip
                    if delay > 0:
                        wait(delay)
                    retry_number += 1
                    continue
                status = resp.status
                pacer.learn(request, resp.headers)
                if status < 300:
                    break
                data = resp.data if preload else read_error_body(resp, label)
                if status == 401 and request.auth and not replayed and self._on_unauthorized(headers):
                    replayed = True
                    continue
                retry_after = parse_retry_after(resp.headers) if status == 429 else None
                delay = retry_delay(
                    policy, retry_number, status=status, retry_after=retry_after, retry_safe=request.replay_safe,
                    elapsed=time.monotonic() - started,
                )  # fmt: skip
                if delay is None:
                    log.debug("%s -> %s in %.1f ms", label, status, (time.monotonic() - started) * 1000)
                    reason = resp.reason if status >= 400 else f"{resp.reason} (redirects are not followed)"
                    raise from_response(status, reason, data, resp.headers, label, retry_after)
                self._before_retry(label, f"HTTP {status}", policy, retry_number, delay)
                if delay > 0:
                    wait(delay)
                if status == 429:
                    pacer.reopened(request)
                retry_number += 1
            self.last_response = resp
            value = _decode(resp, request.response, label) if preload else None
        except OpenApiException as exc:  # the one redaction point: whatever layer raised it
            redact(exc, _with_credentials(request.secrets + self._held_secrets(), sent))
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %s in %.1f ms", label, status, (time.monotonic() - started) * 1000)
        return value, resp

    def _before_retry(self, label: str, why: str, policy: Any, retry_number: int, delay: float) -> None:
        log.info("retrying %s after %s (retry %d of %d) in %.2f s", label, why, retry_number + 1, policy.max_retries,
                 delay)  # fmt: skip

    def _authenticate(self, request: PreparedRequest, headers: Dict[str, str], url: str) -> str:
        """Run the auth hook; returns the URL, with any query parameter the hook added."""
        hook = self.update_params_for_auth
        settings = list(request.auth) if isinstance(request.auth, (list, tuple)) else AUTH_SETTINGS
        if getattr(hook, "__func__", None) in _OWN_HOOKS:  # ours only read the headers: no need to build the rest
            hook(headers, None, settings, request.route, request.method, None)
            return url
        from urllib.parse import parse_qsl

        querys = parse_qsl(request.query, keep_blank_values=True)
        before = len(querys)
        hook(headers, querys, settings, request.path, request.method, request.body)
        if len(querys) != before:  # an official-style hook that authenticates in the query
            url = request.replace(query=encode_query(querys)).url(self.configuration.host)
        return url

    @property
    def rate_limits(self) -> Dict[str, RateLimit]:
        """The API's request budgets as this client last saw them, by name (``read``, ``write``, ``upload``):
        ``limit`` per window, ``remaining`` and ``reset_at`` (a ``time.time()`` value). Empty before the first
        answer."""
        return self._pacer.snapshot()

    # -- official generic entry point ----------------------------------------------------------

    def call_api(
        self,
        resource_path: str,
        method: str,
        path_params: Optional[Dict[str, Any]] = None,
        query_params: Optional[Sequence[Tuple[str, Any]]] = None,
        header_params: Optional[Dict[str, str]] = None,
        body: Any = None,
        post_params: Optional[List[Tuple[str, Any]]] = None,
        files: Optional[Dict[str, List[Any]]] = None,
        response_type: Optional[Tuple[Any, ...]] = None,
        auth_settings: Optional[List[str]] = None,
        async_req: Optional[bool] = None,
        _return_http_data_only: Optional[bool] = None,
        collection_formats: Optional[Dict[str, str]] = None,
        _preload_content: bool = True,
        _request_timeout: Union[None, float, Tuple[float, float]] = None,
        _host: Optional[str] = None,
        _check_type: Optional[bool] = None,
    ) -> Any:
        """The official client's low-level call: returns ``(data, status, headers)`` unless
        ``_return_http_data_only`` is true."""
        options = {"_preload_content": _preload_content, "_request_timeout": _request_timeout,
                   "_return_http_data_only": bool(_return_http_data_only)}  # fmt: skip
        if async_req:
            return self.submit(
                self.call_api, resource_path, method, path_params, query_params, header_params, body, post_params,
                files, response_type, auth_settings, False, _return_http_data_only, collection_formats,
                _preload_content, _request_timeout, _host,
            )  # fmt: skip
        label = f"{method} {resource_path}"
        from apivideo.validation import check_options

        check_options("call_api", {"_request_timeout": _request_timeout}, {"_request_timeout"})
        path = resource_path
        for name, value in (path_params or {}).items():
            path = path.replace(f"{{{name}}}", encode_path_segment(name, value, label))
        pairs = query_params.items() if isinstance(query_params, Mapping) else (query_params or ())
        query = encode_query(p for name, value in pairs for p in query_pairs(name, value))
        headers = {k: _check_header(k, v) for k, v in (header_params or {}).items()}
        payload: Any = None
        uploads = {k: v for k, v in (files or {}).items() if v not in (None, [])}
        if uploads or post_params:
            payload = _form_body(uploads, post_params, label)
            headers.update(payload.headers())
        elif body is not None:
            payload = encode_json(body)
            headers.update(JSON_HEADERS)
        response = response_type[0] if response_type else None
        request = PreparedRequest(
            method, resource_path, path, query, headers, payload, response if isinstance(response, (type, list)) else
            (dict if response is not None else None),
            auth=True if auth_settings is None else list(auth_settings), host=_host.rstrip("/") if _host else None,
        )  # fmt: skip
        return as_requested(self.send(request, options), options)

    # -- threads for async_req -----------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], *args: Any) -> AsyncResult:
        """Run ``fn(*args)`` on this client's thread pool (``pool_threads`` threads, started on first use); what
        every ``async_req=True`` call returns. After ``close()``, a new pool is started."""
        with self._executor_lock:  # so that close() cannot shut the pool down between choosing and submitting
            return AsyncResult(self._pool_locked().submit(fn, *args))

    @property
    def pool(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            return self._pool_locked()

    def _pool_locked(self) -> ThreadPoolExecutor:
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max(1, self.pool_threads), thread_name_prefix="apivideo")
        return self._executor

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Wait for pending ``async_req`` calls, then close every pooled connection."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        self.last_response = None
        self.rest_client.close()

    def _after_fork(self) -> None:
        """In a child process: nothing pooled is shared with the parent (sockets, locks, threads)."""
        self._start_process_state()
        self.last_response = None
        self.rest_client.after_fork()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.configuration.host!r})"

    # -- pickling: the settings travel, never a socket, lock or thread -------------------------

    def __getstate__(self) -> Dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in _PROCESS_BOUND}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.rest_client = RESTClientObject(self.configuration)
        self.last_response = None
        self._sleep = time.sleep
        self._start_process_state()
        _live(self)


def _form_body(files: Mapping[str, Any], fields: Any, label: str) -> Any:
    """The multipart body of ``call_api``: text fields and at most one file (all this API takes)."""
    from apivideo.multipart import MultipartBody

    if len(files) > 1:
        raise ApiValueError(f"{label}: one file per request, got the fields {sorted(files)}")
    fields = dict(fields.items() if isinstance(fields, Mapping) else (fields or ()))
    if not files:
        return MultipartBody(None, 0, 0, fields)
    ((name, value),) = files.items()
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ApiValueError(f"{label}: one file per request, got {len(value)} in {name!r}")
        value = value[0]
    return MultipartBody.for_file(value, name, fields)


def _check_header(name: str, value: str) -> str:
    from apivideo.validation import check_header_value  # loaded on first use: importing the SDK stays cheap

    return check_header_value(name, value)


def _merge_headers(headers: Dict[str, str], extra: Mapping[str, str]) -> None:
    """Add ``extra``, replacing a header of the same name whatever its case (HTTP names are case-insensitive)."""
    lower = {name.lower(): name for name in headers}
    for name, value in extra.items():
        old = lower.get(name.lower())
        if old is not None and old != name:
            del headers[old]
        headers[name] = value


def _cancellable(cancel: Any, sleep: Callable[[float], Any]) -> Callable[[float], Any]:
    """A sleep that ends as soon as ``cancel`` (a threading.Event) is set, and then raises."""
    if not callable(getattr(cancel, "wait", None)):
        return sleep

    def wait(seconds: float) -> None:
        if cancel.wait(seconds if seconds > 0 else 0):
            from apivideo.transfer import Cancelled

            raise Cancelled("the upload was cancelled")

    return wait


# What belongs to one process and is never pickled: connections, threads, locks, budgets, tokens.
class _Secret:
    """A credential held by a client: ``vars(client)``, reprs and logs show ``<hidden>``."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


_PROCESS_BOUND = frozenset({"rest_client", "_executor", "_executor_lock", "_checked_host", "_checked_authorization",
                            "_pacer", "last_response", "_sleep", "_token", "_lock"})  # fmt: skip


def _with_credentials(secrets: Tuple[str, ...], authorizations: Tuple[str, ...]) -> Tuple[str, ...]:
    """The request's secrets, and each Authorization header sent with it (whole, and its credentials alone)."""
    for authorization in authorizations:
        secrets = (*secrets, authorization, authorization.partition(" ")[2])
    return secrets


def _decode(resp: Any, response: Any, label: str) -> Any:
    """The answer's JSON as ``response`` (a model class, ``[model class]`` for a list of them, or anything else for
    plain JSON); None when no body is expected. An answer that is not JSON, or does not fit its model, is an
    :class:`ApiException` (raised outside the parser's error, so no chained error holds the answer)."""
    if response is None:
        return None
    data = resp.data
    problem = None
    try:
        obj = json.loads(_json_text(data))
    except (ValueError, RecursionError) as exc:
        problem = "nested too deeply to decode" if isinstance(exc, RecursionError) else "not valid JSON"
    if problem is None:
        item = response[0] if isinstance(response, list) and len(response) == 1 else response
        if not (isinstance(item, type) and issubclass(item, Model)):
            return obj
        try:
            if item is response:
                return item.from_wire(obj)
            if isinstance(obj, list):
                return [item.from_wire(x) for x in obj]
            problem = f"not a JSON array of {item.__name__}"
        except (ApiValueError, RecursionError) as exc:  # the server's answer, not the caller, is at fault
            problem = f"does not fit the {item.__name__} model: {exc}"
    raise ApiException(
        resp.status, f"the response {problem}" if problem.startswith("does") else f"the response is {problem}",
        body=data[:MAX_ERROR_BODY], headers=resp.headers, route=label,
    )  # fmt: skip


def _json_text(data: Any) -> Any:
    """An answer's bytes as ``json.loads`` would decode them, without its search for the encoding: a JSON object or
    array whose second byte is not NUL is UTF-8 to ``json.loads`` too. Anything else is left to ``json.loads``."""
    if type(data) is bytes and data[:1] in (b"{", b"[") and data[1:2] != b"\x00":
        return data.decode("utf-8", "surrogatepass")
    return data


def is_loopback(url: str) -> bool:
    """True for http://127.x.y.z, http://localhost and http://[::1], with an optional port and nothing else."""
    authority = url.split("://", 1)[-1]
    for end in "/?#":
        authority = authority.split(end, 1)[0]
    if authority.startswith("["):
        host, _, port = authority[1:].partition("]")
        port = port[1:] if port.startswith(":") else port
    else:
        host, _, port = authority.partition(":")
    if port and not port.isdigit():
        return False  # "[::1].example.org", "localhost@evil", ...
    if host in ("localhost", "::1"):
        return True
    parts = host.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() and int(p) < 256 for p in parts)


class AsyncResult:
    """What ``async_req=True`` returns: ``get(timeout)`` waits for the result (or raises its exception); a
    timeout raises an error that is both ``multiprocessing.TimeoutError``, as with the official client, and the
    built-in ``TimeoutError``."""

    def __init__(self, future: Future[Any]) -> None:
        self._future = future

    def get(self, timeout: Optional[float] = None) -> Any:
        from concurrent.futures import TimeoutError as FutureTimeout

        try:
            return self._future.result(timeout)
        except FutureTimeout:
            pass
        raise _async_timeout()(f"no result within {timeout} s")

    def ready(self) -> bool:
        return self._future.done()

    def wait(self, timeout: Optional[float] = None) -> None:
        from concurrent.futures import wait

        wait([self._future], timeout)

    def successful(self) -> bool:
        return self._future.done() and self._future.exception() is None


_TIMEOUTS: List[type] = []


def _async_timeout() -> type:
    """The error of an ``AsyncResult.get`` that timed out: both ``multiprocessing.TimeoutError`` (as the official
    client raises) and the built-in ``TimeoutError`` (made on first use: multiprocessing is not imported before)."""
    if not _TIMEOUTS:
        import multiprocessing

        _TIMEOUTS.append(type("AsyncTimeout", (multiprocessing.TimeoutError, TimeoutError), {"__module__": __name__}))
    return _TIMEOUTS[0]


_OWN_HOOKS: Set[Any] = {ApiClient.update_params_for_auth}  # hooks that only set headers

# Every live client: a forked child drops what they inherited before its first request, and urllib3's log records
# hide what they hold.
_CLIENTS: weakref.WeakSet[ApiClient] = weakref.WeakSet()
_CLIENTS_LOCK = threading.Lock()  # a WeakSet cannot be walked while another thread adds to it


def _live(client: ApiClient) -> None:
    from apivideo.logs import hide_credentials_from  # with the first client, not at import

    with _CLIENTS_LOCK:
        _CLIENTS.add(client)
    hide_credentials_from(_held_by_live_clients)


def _held_by_live_clients() -> Tuple[str, ...]:
    with _CLIENTS_LOCK:
        clients = list(_CLIENTS)
    held: Tuple[str, ...] = ()
    for client in clients:
        try:
            held += client._held_secrets()
        except AttributeError:  # a client still being made holds nothing yet
            continue
    return held


def _after_fork_in_child() -> None:
    global _CLIENTS_LOCK
    _CLIENTS_LOCK = threading.Lock()  # another thread may have held it at the fork
    for client in list(_CLIENTS):
        client._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
