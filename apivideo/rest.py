"""One HTTP attempt over a shared urllib3 pool. No JSON, auth or retries here."""

from __future__ import annotations

import logging
import socket
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.retry import Retry

from apivideo.configuration import Configuration
from apivideo.exceptions import ApiConnectionException, ApiTimeoutException, ApiValueError, OpenApiException

log = logging.getLogger("apivideo")

Body = Union[bytes, Iterable[bytes], None]
TimeoutArg = Union[None, float, Tuple[float, float]]
MAX_ERROR_BODY = 64 * 1024


def read_error_body(resp: Any, route: Optional[str] = None) -> bytes:
    """An error answer's body, read up to MAX_ERROR_BODY bytes so a huge one cannot exhaust memory; the
    connection goes back to the pool, or is closed when part of the body was left unread. A body cut short or
    too slow is a connection error or a timeout, as for any answer."""
    try:
        data = bytes(resp.read(MAX_ERROR_BODY))
        if resp.length_remaining != 0:
            resp.close()
        return data
    except ReadTimeoutError as exc:
        raise ApiTimeoutException("timed out reading the answer", route=route) from exc
    except (ProtocolError, HTTPError, OSError) as exc:
        raise ApiConnectionException(_reason(exc, "connection error"), route=route) from exc
    finally:
        resp.release_conn()


class RESTResponse:
    """A finished response: ``status``, ``reason``, ``headers`` and the body bytes in ``data`` (``read()`` gives
    them too, for code written for an unread urllib3 response)."""

    __slots__ = ("urllib3_response", "status", "reason", "headers", "data")

    def __init__(self, resp: Any, data: bytes) -> None:
        self.urllib3_response = resp
        self.status: int = resp.status
        self.reason: str = resp.reason or ""
        self.headers: Mapping[str, str] = resp.headers
        self.data = data

    def getheaders(self) -> Mapping[str, str]:
        return self.headers

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name, default)

    def read(self, amt: Optional[int] = None) -> bytes:
        data = self.data
        return data if amt is None else data[:amt]


_SOCKET_TIMEOUTS = (TimeoutError, socket.timeout)  # two classes before Python 3.10
# urllib3 retries nothing and follows no redirect: the client's own loop decides. (A Retry object is immutable in
# use; passing one saves urllib3 building it again on every request.)
_NO_RETRIES = Retry(total=False, redirect=False)


class ConnectionNotEstablished(ApiConnectionException):
    """The request never reached the server (refused, DNS, connect timeout): always safe to retry."""


class RESTClientObject:
    """Owns one ``urllib3.PoolManager`` (or ``ProxyManager``) shared by every thread using the client."""

    def __init__(self, configuration: Configuration, pools_size: Optional[int] = None) -> None:
        self.configuration = configuration
        self._pools_size = pools_size
        self.pool_manager = self._new_pool_manager()
        self._default_timeout = (0.0, 0.0, urllib3.Timeout())

    def _new_pool_manager(self) -> urllib3.PoolManager:
        from apivideo._deadline import POOL_CLASSES
        from apivideo.configuration import MAX_UPLOAD_CONCURRENCY
        from apivideo.logs import hide_tokens_in_urllib3_logs

        cfg = self.configuration
        # Room for every part of a parallel upload, so no connection is discarded as "pool full".
        maxsize = self._pools_size or max(cfg.connection_pool_maxsize, MAX_UPLOAD_CONCURRENCY)
        kwargs: dict[str, Any] = {"maxsize": maxsize, "block": False}
        if cfg.verify_ssl:
            ca = cfg.ssl_ca_cert
            if ca is None:
                import certifi

                ca = certifi.where()
            kwargs.update(cert_reqs="CERT_REQUIRED", ca_certs=ca)
            if cfg.assert_hostname is not None:
                kwargs["assert_hostname"] = cfg.assert_hostname
        else:
            kwargs.update(cert_reqs="CERT_NONE")
        if cfg.cert_file:
            kwargs.update(cert_file=cfg.cert_file, key_file=cfg.key_file)
        if cfg.proxy:
            manager: urllib3.PoolManager = urllib3.ProxyManager(cfg.proxy, proxy_headers=cfg.proxy_headers, **kwargs)
        else:
            manager = urllib3.PoolManager(**kwargs)
        hide_tokens_in_urllib3_logs()
        manager.pool_classes_by_scheme = POOL_CLASSES  # timeouts kept by a watchdog: see apivideo/_deadline.py
        return manager

    def timeout_for(self, request_timeout: TimeoutArg) -> urllib3.Timeout:
        """The official ``_request_timeout``: a number is the total, a pair is (connect, read)."""
        if request_timeout is None:  # the configured timeouts, as they are now (they may change after creation)
            cfg = self.configuration
            connect, read, timeout = self._default_timeout
            if (connect, read) != (cfg.connect_timeout, cfg.read_timeout):
                timeout = urllib3.Timeout(connect=cfg.connect_timeout, read=cfg.read_timeout)
                self._default_timeout = (cfg.connect_timeout, cfg.read_timeout, timeout)
            return timeout
        if isinstance(request_timeout, (int, float)):
            return urllib3.Timeout(total=request_timeout)
        connect, read = request_timeout
        return urllib3.Timeout(connect=connect, read=read)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Body = None,
        timeout: TimeoutArg = None,
        preload_content: bool = True,
        route: Optional[str] = None,
    ) -> Any:
        """Send one request. Returns a :class:`RESTResponse`, or the raw urllib3 response when not preloading."""
        try:
            resp = self.pool_manager.urlopen(
                method,
                url,
                body=body,
                headers=headers,
                retries=_NO_RETRIES,
                redirect=False,
                timeout=self.timeout_for(timeout),
                preload_content=False,
                assert_same_host=False,
            )
            if not preload_content:
                return resp
            if resp.status >= 400:
                return RESTResponse(resp, read_error_body(resp, route))
            try:
                data = resp.data
            finally:
                resp.release_conn()
            return RESTResponse(resp, data)
        except NewConnectionError as exc:  # before ConnectTimeoutError: urllib3 2 derives it from that
            raise _not_established(ApiConnectionException, _reason(exc, "connection failed"), route) from exc
        except ConnectTimeoutError as exc:
            raise _not_established(ApiTimeoutException, "connection timed out", route) from exc
        except ReadTimeoutError as exc:
            raise ApiTimeoutException("timed out waiting for the response", route=route) from exc
        except SSLError as exc:
            raise ApiConnectionException(f"TLS error: {_reason(exc, 'handshake failed')}", route=route) from exc
        except (ProtocolError, HTTPError, OSError) as exc:
            if any(isinstance(cause, _SOCKET_TIMEOUTS) for cause in (exc, exc.__context__, *exc.args)):
                raise ApiTimeoutException("timed out sending the request", route=route) from exc
            raise ApiConnectionException(_reason(exc, "connection error"), route=route) from exc
        except ValueError as exc:
            if isinstance(exc, OpenApiException):
                raise  # the SDK's own (a file that changed during its upload): as it is
            bad = _bad_header(headers)  # http.client refused a header: nothing was sent
        raise ApiValueError(f"{route or 'request'}: {bad}")  # raised here: no chained error holds the value

    def close(self) -> None:
        """Close every pooled connection (urllib3 2 no longer closes them when its pools are cleared)."""
        manager = self.pool_manager
        pools = [manager.pools.get(key) for key in manager.pools.keys()]  # noqa: SIM118 - it cannot be iterated
        manager.clear()
        for pool in pools:
            if pool is not None:
                pool.close()
        from apivideo._deadline import WATCHDOG

        WATCHDOG.close()  # its thread ends right after, unless another client has a call under way

    def after_fork(self) -> None:
        """In a child process: forget the parent's connections without closing them (they are the parent's; a
        TLS close would even write to them), and pool new ones."""
        self.pool_manager = self._new_pool_manager()


class _NotEstablishedTimeout(ApiTimeoutException, ConnectionNotEstablished):
    pass


def _not_established(kind: type, reason: str, route: Optional[str]) -> ApiConnectionException:
    cls = _NotEstablishedTimeout if kind is ApiTimeoutException else ConnectionNotEstablished
    return cls(reason, route=route)


def _bad_header(headers: Mapping[str, str]) -> str:
    from apivideo.validation import header_problem

    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            return problem
    return "a header cannot be sent"


def _reason(exc: BaseException, default: str) -> str:
    """The human part of a urllib3 error: the operating system's own words when it has them ("connection
    refused"), never urllib3's internal class names or object addresses."""
    for cause in (exc.__cause__, exc.__context__, *exc.args):
        if isinstance(cause, OSError) and cause.strerror:
            return str(cause.strerror).lower()[:300]
    text = str(exc.args[-1] if exc.args else exc) or default
    head, sep, rest = text.partition("): ")
    if sep and head.split("(", 1)[0].isidentifier():  # "HTTPConnectionPool(host=..., port=...): what happened"
        text = rest
    text = text.split(": ", 1)[-1] if "object at 0x" in text else text
    return text[:300]
