"""ApiClient: builds each request once, adds headers and auth, runs the only retry loop, decodes answers."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from apivideo._version import __version__
from apivideo.configuration import Configuration
from apivideo.exceptions import ApiConnectionException, ApiException, ApiValueError, from_response
from apivideo.model_utils import Model, to_wire_value
from apivideo.rest import MAX_ERROR_BODY, ConnectionNotEstablished, RESTClientObject, read_error_body
from apivideo.retry import IDEMPOTENT_METHODS, parse_retry_after, retry_delay
from apivideo.wire import check_header_value, encode_path_segment, encode_query, query_pairs

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("apivideo")
_EMPTY: Mapping[str, Any] = {}
# Patterns are compiled on first use (re caches them): compiling them here would cost more than the module.
_ORIGIN_NAME = r"[\w\-]{1,50}"
_ORIGIN_VERSION = r"\d{1,3}(\.\d{1,3}(\.\d{1,3})?)?"


# --------------------------------------------------------------------------- the client


class ApiClient:
    """Sends requests to api.video. Usable as a context manager; ``close()`` releases the connection pool.

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
        self.cookie = None if cookie is None else check_header_value("Cookie", cookie)
        self.last_response: Any = None
        self._executor: Optional[ThreadPoolExecutor] = None
        self._executor_lock = threading.Lock()
        self._sleep = time.sleep  # replaced in tests so that retries do not wait

    # -- official header helpers ---------------------------------------------------------------

    def set_default_header(self, header_name: str, header_value: str) -> None:
        self.default_headers[check_header_value("header name", header_name)] = check_header_value(
            header_name, header_value
        )

    def set_application_name(self, application_name: str, application_version: str) -> None:
        """Identify your application to api.video (``AV-Origin-App: name:version``)."""
        self._set_origin("application", "AV-Origin-App", application_name, application_version)

    def set_sdk_name(self, sdk_name: str, sdk_version: str) -> None:
        """Identify an SDK built on this one (``AV-Origin-Sdk: name:version``)."""
        self._set_origin("sdk", "AV-Origin-Sdk", sdk_name, sdk_version)

    def _set_origin(self, kind: str, header: str, name: Optional[str], version: Optional[str]) -> None:
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

    # -- auth hooks (overridden by AuthenticatedApiClient) -------------------------------------

    def auth_headers(self) -> Mapping[str, str]:
        """Headers that authenticate a request: HTTP Basic when ``configuration.username`` is set."""
        cfg = self.configuration
        if cfg.username:
            import base64

            raw = f"{cfg.username}:{cfg.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        if cfg.access_token:
            return {"Authorization": f"Bearer {cfg.access_token}"}
        return _EMPTY

    def _on_unauthorized(self, used: Mapping[str, str]) -> bool:
        """Called once on a 401; return True to replay the request (after refreshing credentials)."""
        return False

    def update_params_for_auth(self, headers: Dict[str, str], *_args: Any, **_kwargs: Any) -> None:
        headers.update(self.auth_headers())

    def _check_transport(self) -> None:
        host = self.configuration.host
        if host.startswith("http://") and not _is_loopback(host) and not self.configuration.allow_insecure_http:
            raise ApiValueError(
                f"refusing to send credentials over plain http to {host}; use https, or set"
                " Configuration(allow_insecure_http=True) if you really mean it"
            )

    # -- the request path ----------------------------------------------------------------------

    def call(
        self,
        method: str,
        route: str,
        path: str,
        query: str = "",
        body: Any = None,
        response: Optional[type] = None,
        *,
        headers: Optional[Mapping[str, str]] = None,
        auth: bool = True,
        retry_safe: Optional[bool] = None,
        credentials: bool = False,
        options: Mapping[str, Any] = _EMPTY,
    ) -> Any:
        """Send a request built by an endpoint and return the decoded answer.

        ``route`` is the path template (``/videos/{videoId}``), used in logs and errors so no id or token
        appears there. ``retry_safe`` says whether a 5xx or a reset may be retried (default: idempotent methods).
        ``credentials`` marks a request that carries a secret other than the Authorization header (an upload
        token in the query): it gets the same transport check.
        """
        if options.get("async_req"):
            opts = {k: v for k, v in options.items() if k != "async_req"}
            run = lambda: self.call(  # noqa: E731
                method, route, path, query, body, response, headers=headers, auth=auth, retry_safe=retry_safe,
                credentials=credentials, options=opts,
            )  # fmt: skip
            return _AsyncResult(self._pool().submit(run))
        cfg = self.configuration
        url = f"{cfg.host}{path}?{query}" if query else cfg.host + path
        hdrs = dict(self.default_headers)
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        if headers:
            hdrs.update(headers)
        if auth or credentials:
            self._check_transport()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        timeout = options.get("_request_timeout")
        preload = options.get("_preload_content", True)
        label = f"{method} {route}"
        policy = cfg.retries
        started = time.monotonic()
        retry_number = 0
        replayed = False
        while True:
            if auth:
                hdrs.update(self.auth_headers())
            try:
                resp = self.rest_client.request(method, url, hdrs, body, timeout, preload, label)
            except ApiConnectionException as exc:
                delay = retry_delay(
                    policy, retry_number, status=None, retry_after=None,
                    retry_safe=safe or isinstance(exc, ConnectionNotEstablished),
                    elapsed=time.monotonic() - started,
                )  # fmt: skip
                if delay is None:
                    raise
                self._before_retry(label, exc.reason or "connection error", retry_number, delay)
                retry_number += 1
                continue
            status = resp.status
            if status < 400:
                break
            data = resp.data if preload else read_error_body(resp)
            if status == 401 and auth and not replayed and self._on_unauthorized(hdrs):
                replayed = True
                continue
            retry_after = parse_retry_after(resp.headers) if status == 429 else None
            delay = retry_delay(
                policy, retry_number, status=status, retry_after=retry_after, retry_safe=safe,
                elapsed=time.monotonic() - started,
            )  # fmt: skip
            if delay is None:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s -> %s in %.1f ms", label, status, (time.monotonic() - started) * 1000)
                raise from_response(status, resp.reason, data, resp.headers, label, retry_after)
            self._before_retry(label, f"HTTP {status}", retry_number, delay)
            retry_number += 1
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %s in %.1f ms", label, status, (time.monotonic() - started) * 1000)
        self.last_response = resp
        if not preload:
            return resp
        return self._decode(resp, response, label, options)

    def _before_retry(self, label: str, why: str, retry_number: int, delay: float) -> None:
        total = self.configuration.retries.max_retries
        log.info("retrying %s after %s (retry %d of %d) in %.2f s", label, why, retry_number + 1, total, delay)
        if delay > 0:
            self._sleep(delay)

    def _decode(self, resp: Any, response: Optional[type], label: str, options: Mapping[str, Any]) -> Any:
        result: Any = None
        if response is not None:
            data = resp.data
            try:
                obj = json.loads(data)
            except ValueError:
                raise ApiException(
                    resp.status, "the response is not valid JSON", body=data[:MAX_ERROR_BODY],
                    headers=resp.headers, route=label,
                ) from None  # fmt: skip
            try:
                result = response.from_wire(obj) if issubclass(response, Model) else obj
            except ApiValueError as exc:  # the server's answer, not the caller, is at fault
                raise ApiException(
                    resp.status, f"the response does not fit the {response.__name__} model: {exc}",
                    body=data[:MAX_ERROR_BODY], headers=resp.headers, route=label,
                ) from None  # fmt: skip
        if options.get("_return_http_data_only", True) is False:
            return result, resp.status, resp.headers
        return result

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
        path = resource_path
        for name, value in (path_params or {}).items():
            path = path.replace(f"{{{name}}}", encode_path_segment(name, value, f"{method} {resource_path}"))
        pairs = [p for name, value in (query_params or ()) for p in query_pairs(name, value)]
        headers = dict(header_params or {})
        payload: Any = None
        if files or post_params:
            from apivideo.multipart import MultipartBody

            ((field_name, file_list),) = (files or {"file": [None]}).items()
            payload = MultipartBody.for_file(file_list[0], field_name, dict(post_params or ()))
            headers.update(payload.headers())
        elif body is not None:
            payload = json.dumps(to_wire_value(body)).encode()
            headers["Content-Type"] = "application/json"
        response = response_type[0] if response_type else None
        options = {"_preload_content": _preload_content, "_request_timeout": _request_timeout,
                   "_return_http_data_only": bool(_return_http_data_only), "async_req": async_req}  # fmt: skip
        return self.call(
            method, resource_path, path, encode_query(pairs), payload,
            response if isinstance(response, type) else None, headers=headers, auth=bool(auth_settings) or
            auth_settings is None, options=options,
        )  # fmt: skip

    # -- lifecycle -----------------------------------------------------------------------------

    def _pool(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(max(1, self.pool_threads), thread_name_prefix="apivideo")
            return self._executor

    @property
    def pool(self) -> ThreadPoolExecutor:
        return self._pool()

    def close(self) -> None:
        """Wait for pending ``async_req`` calls, then release every pooled connection."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        self.rest_client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.configuration.host!r})"


def _is_loopback(url: str) -> bool:
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


class _AsyncResult:
    """What ``async_req=True`` returns: ``get(timeout)`` waits for the result (or raises its exception)."""

    def __init__(self, future: Future[Any]) -> None:
        self._future = future

    def get(self, timeout: Optional[float] = None) -> Any:
        return self._future.result(timeout)

    def ready(self) -> bool:
        return self._future.done()

    def wait(self, timeout: Optional[float] = None) -> None:
        from concurrent.futures import wait

        wait([self._future], timeout)

    def successful(self) -> bool:
        return self._future.done() and self._future.exception() is None
