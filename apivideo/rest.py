"""One HTTP attempt over a shared urllib3 pool. No JSON, auth or retries here."""

from __future__ import annotations

import logging
import time
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

from apivideo.configuration import Configuration
from apivideo.exceptions import ApiConnectionException, ApiTimeoutException

log = logging.getLogger("apivideo")

Body = Union[bytes, Iterable[bytes], None]
TimeoutArg = Union[None, float, Tuple[float, float]]
MAX_ERROR_BODY = 64 * 1024


class RESTResponse:
    """A finished response: ``status``, ``reason``, ``headers`` and the body bytes in ``data``."""

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


class ConnectionNotEstablished(ApiConnectionException):
    """The request never reached the server (refused, DNS, connect timeout): always safe to retry."""


class RESTClientObject:
    """Owns one ``urllib3.PoolManager`` (or ``ProxyManager``) shared by every thread using the client."""

    def __init__(self, configuration: Configuration, pools_size: Optional[int] = None) -> None:
        cfg = configuration
        kwargs: dict[str, Any] = {"maxsize": pools_size or cfg.connection_pool_maxsize, "block": False}
        if cfg.verify_ssl:
            ca = cfg.ssl_ca_cert
            if ca is None:
                import certifi

                ca = certifi.where()
            kwargs.update(cert_reqs="CERT_REQUIRED", ca_certs=ca)
        else:
            kwargs.update(cert_reqs="CERT_NONE")
        if cfg.proxy:
            self.pool_manager: urllib3.PoolManager = urllib3.ProxyManager(
                cfg.proxy, proxy_headers=cfg.proxy_headers, **kwargs
            )
        else:
            self.pool_manager = urllib3.PoolManager(**kwargs)
        self._default_timeout = urllib3.Timeout(connect=cfg.connect_timeout, read=cfg.read_timeout)
        self._read_seconds = cfg.read_timeout

    def timeout_for(self, request_timeout: TimeoutArg) -> urllib3.Timeout:
        """The official ``_request_timeout``: a number is the total, a pair is (connect, read)."""
        if request_timeout is None:
            return self._default_timeout
        if isinstance(request_timeout, (int, float)):
            return urllib3.Timeout(total=request_timeout)
        connect, read = request_timeout
        return urllib3.Timeout(connect=connect, read=read)

    def _body_seconds(self, request_timeout: TimeoutArg) -> float:
        if isinstance(request_timeout, (int, float)):
            return float(request_timeout)
        if isinstance(request_timeout, tuple):
            return float(request_timeout[1])
        return self._read_seconds

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
                retries=False,
                redirect=False,
                timeout=self.timeout_for(timeout),
                preload_content=False,
                assert_same_host=False,
            )
            if not preload_content:
                return resp
            try:
                # An error answer is read up to a cap, so a huge one cannot exhaust memory.
                data = _read_body(resp, None if resp.status < 400 else MAX_ERROR_BODY, self._body_seconds(timeout))
            except ApiTimeoutException as exc:
                resp.close()
                exc.route = route
                raise
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
            raise ApiConnectionException(_reason(exc, "connection error"), route=route) from exc

    def close(self) -> None:
        self.pool_manager.clear()


def _read_body(resp: Any, limit: Optional[int], seconds: float) -> bytes:
    """The body, up to ``limit`` bytes, within ``seconds`` in total: a server that drips bytes slowly cannot hold
    the caller longer than the read timeout, as each single read would allow."""
    read = getattr(resp, "read1", None) or resp.read  # read1: what has arrived, without waiting for more
    deadline = time.monotonic() + seconds
    parts: list[bytes] = []
    size = 0
    while limit is None or size < limit:
        chunk = read(1 << 20 if limit is None else min(1 << 20, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if resp.length_remaining == 0:
            break
        if time.monotonic() > deadline:
            raise ApiTimeoutException(f"the response body took longer than {seconds:g} s to arrive")
    if limit is not None and size >= limit and resp.length_remaining != 0:
        resp.close()  # the rest is never read: the connection cannot be reused
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _NotEstablishedTimeout(ApiTimeoutException, ConnectionNotEstablished):
    pass


def _not_established(kind: type, reason: str, route: Optional[str]) -> ApiConnectionException:
    cls = _NotEstablishedTimeout if kind is ApiTimeoutException else ConnectionNotEstablished
    return cls(reason, route=route)


def _reason(exc: BaseException, default: str) -> str:
    # urllib3 messages can embed the pool object; keep the last, human part only.
    text = str(exc.args[-1] if exc.args else exc) or default
    text = text.split(": ", 1)[-1] if "object at 0x" in text else text
    return text[:300]
