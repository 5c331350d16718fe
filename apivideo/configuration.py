"""Client settings. Values are checked when they are set; nothing here does I/O."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple, Union

from apivideo.exceptions import ApiTypeError, ApiValueError
from apivideo.retry import RetryPolicy, as_policy

PRODUCTION_HOST = "https://ws.api.video"
SANDBOX_HOST = "https://sandbox.api.video"
MIB = 1024 * 1024
MIN_CHUNK_SIZE = 5 * MIB
MAX_CHUNK_SIZE = 128 * MIB
DEFAULT_CHUNK_SIZE = 50 * MIB
MAX_UPLOAD_CONCURRENCY = 16

log = logging.getLogger("apivideo")


class Configuration:
    """Settings of an :class:`ApiClient`.

    Every keyword of the official client's constructor is accepted. The ones that matter here:

    - ``host``: the API root, default ``https://ws.api.video``. A host set here always wins over the
      ``production`` flag of :class:`AuthenticatedApiClient`, so a client can target the local emulator or a proxy.
    - ``chunk_size``: bytes per upload request, 5 MiB to 128 MiB (default 50 MiB).
    - ``connect_timeout`` / ``read_timeout``: seconds (defaults 10 and 60). ``_request_timeout`` overrides per call.
    - ``retries``: a :class:`RetryPolicy`, or an int for the number of retries (0 disables retrying).
    - ``ssl_ca_cert``: a CA bundle path (certifi's by default); ``verify_ssl=False`` turns verification off.
    - ``proxy`` / ``proxy_headers``: send every request through an HTTP(S) proxy.
    - ``client_side_validation``: check enums and ranges before sending (default True).
    - ``upload_concurrency``: parts of one upload sent in parallel (default 1, sequential).
    - ``allow_insecure_http``: send credentials over plain http to a host that is not loopback (default False).
    - ``debug``: the ``apivideo`` and ``urllib3`` logs at DEBUG on stderr (no credential is ever logged).
    - ``rate_limit_pacing``: wait for the next rate-limit window when a budget is spent, instead of sending and
      collecting a 429 (default True).
    """

    def __init__(
        self,
        host: Optional[str] = None,
        api_key: Optional[Union[str, Dict[str, str]]] = None,
        api_key_prefix: Optional[Dict[str, str]] = None,
        access_token: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        discard_unknown_keys: bool = True,
        disabled_client_side_validations: str = "",
        server_index: Optional[int] = None,
        server_variables: Optional[Dict[str, str]] = None,
        server_operation_index: Optional[Dict[str, int]] = None,
        server_operation_variables: Optional[Dict[str, Dict[str, str]]] = None,
        ssl_ca_cert: Optional[str] = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retries: Union[RetryPolicy, int, None] = None,
        verify_ssl: bool = True,
        proxy: Optional[str] = None,
        proxy_headers: Optional[Dict[str, str]] = None,
        connection_pool_maxsize: int = 10,
        client_side_validation: bool = True,
        upload_concurrency: int = 1,
        allow_insecure_http: bool = False,
        debug: bool = False,
        rate_limit_pacing: bool = True,
    ) -> None:
        self._host: Optional[str] = None
        if host is not None:
            self.host = host
        self.api_key = api_key
        self.api_key_prefix = api_key_prefix or {}
        self.access_token = access_token
        self.username = username
        self.password = password
        self.discard_unknown_keys = discard_unknown_keys
        self.disabled_client_side_validations = disabled_client_side_validations
        self.server_index = server_index
        self.server_variables = server_variables or {}
        self.server_operation_index = server_operation_index or {}
        self.server_operation_variables = server_operation_variables or {}
        self.ssl_ca_cert = ssl_ca_cert
        self.chunk_size = chunk_size
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.verify_ssl = verify_ssl
        self.proxy = proxy
        self.proxy_headers = proxy_headers
        self.connection_pool_maxsize = connection_pool_maxsize
        self.client_side_validation = client_side_validation
        self.upload_concurrency = upload_concurrency
        self.allow_insecure_http = allow_insecure_http
        self.rate_limit_pacing = rate_limit_pacing
        # TLS client certificate and hostname check, as in the official configuration (None: urllib3 defaults).
        self.cert_file: Optional[str] = None
        self.key_file: Optional[str] = None
        self.assert_hostname: Optional[Union[str, bool]] = None
        self._debug = False
        if debug:
            self.debug = True

    # -- host --------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The API root URL (``https://ws.api.video`` unless set)."""
        return self._host or PRODUCTION_HOST

    @host.setter
    def host(self, value: str) -> None:
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ApiValueError(f"host must be an http:// or https:// URL, got {value!r}")
        self._host = value.rstrip("/")

    @property
    def host_is_set(self) -> bool:
        """True when a host was given explicitly (it then wins over ``production=``)."""
        return self._host is not None

    # -- checked settings --------------------------------------------------------------------------

    @property
    def chunk_size(self) -> int:
        """Bytes sent per upload request: 5 MiB (5242880) to 128 MiB (134217728)."""
        return self._chunk_size

    @chunk_size.setter
    def chunk_size(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiTypeError(f"chunk_size must be an int (bytes), got {type(value).__name__}")
        if not MIN_CHUNK_SIZE <= value <= MAX_CHUNK_SIZE:
            raise ApiValueError(
                f"chunk_size must be between 5 MiB ({MIN_CHUNK_SIZE} bytes) and 128 MiB ({MAX_CHUNK_SIZE} bytes),"
                f" got {value}"
            )
        self._chunk_size = value

    @property
    def retries(self) -> RetryPolicy:
        """The retry policy; assign an int to change only the number of retries (0 disables)."""
        return self._retries

    @retries.setter
    def retries(self, value: Union[RetryPolicy, int, None]) -> None:
        self._retries = as_policy(value)

    @property
    def connect_timeout(self) -> float:
        return self._connect_timeout

    @connect_timeout.setter
    def connect_timeout(self, value: float) -> None:
        self._connect_timeout = _positive("connect_timeout", value)

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    @read_timeout.setter
    def read_timeout(self, value: float) -> None:
        self._read_timeout = _positive("read_timeout", value)

    @property
    def upload_concurrency(self) -> int:
        return self._upload_concurrency

    @upload_concurrency.setter
    def upload_concurrency(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_UPLOAD_CONCURRENCY:
            raise ApiValueError(f"upload_concurrency must be an int from 1 to {MAX_UPLOAD_CONCURRENCY}, got {value!r}")
        self._upload_concurrency = value

    @property
    def verify_ssl(self) -> bool:
        return self._verify_ssl

    @verify_ssl.setter
    def verify_ssl(self, value: bool) -> None:
        if not value:
            log.warning("TLS certificate verification is turned off: connections can be intercepted")
        self._verify_ssl = bool(value)

    @property
    def debug(self) -> bool:
        """True sends the ``apivideo`` and ``urllib3`` logs at DEBUG to stderr (secrets stay hidden)."""
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        from apivideo.logs import set_debug

        self._debug = bool(value)
        set_debug(self._debug)

    @property
    def timeout(self) -> Tuple[float, float]:
        """(connect, read) timeouts in seconds."""
        return (self._connect_timeout, self._read_timeout)

    # -- official helpers --------------------------------------------------------------------------

    def get_host_settings(self) -> list[Dict[str, Any]]:
        return [
            {"url": PRODUCTION_HOST, "description": "Production server"},
            {"url": SANDBOX_HOST, "description": "Sandbox server (videos are watermarked and deleted after 24 h)"},
        ]

    def get_host_from_settings(self, index: Optional[int], variables: Any = None, servers: Any = None) -> str:
        if index is None:
            return self.host
        settings = servers or self.get_host_settings()
        if not 0 <= index < len(settings):
            raise ApiValueError(f"server index must be from 0 to {len(settings) - 1}, got {index}")
        return str(settings[index]["url"])

    @classmethod
    def get_default_copy(cls) -> Configuration:
        return cls()

    def copy(self) -> Configuration:
        import copy

        return copy.copy(self)

    def __repr__(self) -> str:
        return (
            f"Configuration(host={self.host!r}, chunk_size={self._chunk_size}, timeout={self.timeout!r},"
            f" retries={self._retries!r}, verify_ssl={self._verify_ssl})"
        )


def _positive(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < float("inf"):
        raise ApiValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)
