"""One HTTP attempt over a shared urllib3 pool. No JSON, auth or retries here."""

from __future__ import annotations

import logging
import re
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
from apivideo.exceptions import ApiConnectionException, ApiTimeoutException, ApiValueError

log = logging.getLogger("apivideo")

Body = Union[bytes, Iterable[bytes], None]
TimeoutArg = Union[None, float, Tuple[float, float]]
MAX_ERROR_BODY = 64 * 1024


def read_error_body(resp: Any) -> bytes:
    """An error answer's body, read up to MAX_ERROR_BODY bytes so a huge one cannot exhaust memory; the
    connection goes back to the pool, or is closed when part of the body was left unread."""
    try:
        data = bytes(resp.read(MAX_ERROR_BODY))
        if resp.length_remaining != 0:
            resp.close()
        return data
    finally:
        resp.release_conn()


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


class _RedactTokens(logging.Filter):
    """Hides upload tokens in the request lines urllib3 logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__()
        self.secret_in_url = re.compile(r"(token=|/upload-tokens/)[^&\s\"/?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        hide = self.secret_in_url.sub
        if record.args:
            record.args = tuple(hide(r"\1<hidden>", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = hide(r"\1<hidden>", record.msg)
        return True


_REDACT: list[_RedactTokens] = []  # created with the first client, not at import


def _install_log_filter() -> None:
    if not _REDACT:
        _REDACT.append(_RedactTokens())
    for name in ("urllib3.connectionpool", "urllib3.connection"):
        logger = logging.getLogger(name)
        if _REDACT[0] not in logger.filters:
            logger.addFilter(_REDACT[0])


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
            if cfg.assert_hostname is not None:
                kwargs["assert_hostname"] = cfg.assert_hostname
        else:
            kwargs.update(cert_reqs="CERT_NONE")
        if cfg.cert_file:
            kwargs.update(cert_file=cfg.cert_file, key_file=cfg.key_file)
        if cfg.proxy:
            self.pool_manager: urllib3.PoolManager = urllib3.ProxyManager(
                cfg.proxy, proxy_headers=cfg.proxy_headers, **kwargs
            )
        else:
            self.pool_manager = urllib3.PoolManager(**kwargs)
        _install_log_filter()
        from apivideo._deadline import POOL_CLASSES

        self.pool_manager.pool_classes_by_scheme = POOL_CLASSES  # the whole answer within the read timeout
        self._default_timeout = urllib3.Timeout(connect=cfg.connect_timeout, read=cfg.read_timeout)

    def timeout_for(self, request_timeout: TimeoutArg) -> urllib3.Timeout:
        """The official ``_request_timeout``: a number is the total, a pair is (connect, read)."""
        if request_timeout is None:
            return self._default_timeout
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
                retries=False,
                redirect=False,
                timeout=self.timeout_for(timeout),
                preload_content=False,
                assert_same_host=False,
            )
            if not preload_content:
                return resp
            if resp.status >= 400:
                return RESTResponse(resp, read_error_body(resp))
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
        except ValueError as exc:  # http.client refused a header value (CR/LF): nothing was sent
            raise ApiValueError(f"{route or url.split('?')[0]}: invalid request header: {exc}") from None
        except (ProtocolError, HTTPError, OSError) as exc:
            raise ApiConnectionException(_reason(exc, "connection error"), route=route) from exc

    def close(self) -> None:
        self.pool_manager.clear()


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
