"""AuthenticatedApiClient: exchanges the API key for tokens and keeps them fresh, on the calling thread."""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any, Mapping, Optional

from apivideo.api_client import ApiClient
from apivideo.configuration import PRODUCTION_HOST, SANDBOX_HOST, Configuration
from apivideo.exceptions import (
    ApiAuthConnectionException,
    ApiAuthException,
    ApiConnectionException,
    ApiException,
    ApiTypeError,
    ApiValueError,
)

log = logging.getLogger("apivideo")
HOST_ENVIRONMENT = {"production": PRODUCTION_HOST, "sandbox": SANDBOX_HOST}
REFRESH_MARGIN = 30.0  # seconds before expiry at which a token is renewed (less for very short lifetimes)


class _Token:
    """An access token as sent (the Authorization header), its refresh token and its expiry (monotonic)."""

    __slots__ = ("headers", "refresh", "renew_at", "expires_at")

    def __init__(self, access: str, refresh: Optional[str], token_type: str, expires_in: float) -> None:
        now = time.monotonic()
        self.headers = {"Authorization": f"{token_type.capitalize()} {access}"}
        self.refresh = refresh
        self.expires_at = now + expires_in
        self.renew_at = self.expires_at - min(REFRESH_MARGIN, expires_in * 0.1)

    def __repr__(self) -> str:
        return "_Token(<hidden>)"


class AuthenticatedApiClient(ApiClient):
    """An :class:`ApiClient` that authenticates with an api.video API key.

    ``with AuthenticatedApiClient(key) as client:`` exchanges the key for an access token at the ``with`` line
    (a bad key raises :class:`ApiAuthException` there). The token is renewed shortly before it expires, and once
    after a 401, on the thread that needs it: there is no background thread and leaving the block sends nothing.

    ``production=False`` targets the sandbox, unless the configuration sets a host. ``basic_auth=True`` sends
    the key with HTTP Basic on every request instead of exchanging it for tokens.
    """

    def __init__(
        self,
        api_key: str,
        production: bool = True,
        configuration: Optional[Configuration] = None,
        *,
        basic_auth: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(api_key, str):
            kind = type(api_key).__name__
            raise ApiTypeError(f"AuthenticatedApiClient() argument 'api_key': expected str, got {kind}")
        if not api_key.strip():
            raise ApiValueError("AuthenticatedApiClient() argument 'api_key' must not be empty")
        if configuration is not None and not configuration.host_is_set:
            configuration = configuration.copy()  # the caller's object keeps its own (unset) host
        super().__init__(configuration=configuration, **kwargs)
        if not self.configuration.host_is_set:
            self.configuration.host = HOST_ENVIRONMENT["production" if production else "sandbox"]
        self.__api_key = api_key
        self._basic = (
            {"Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")}
            if basic_auth
            else None
        )
        self._token: Optional[_Token] = None
        self._lock = threading.Lock()
        self.token_type = "Bearer"

    @property
    def api_key(self) -> str:
        return self.__api_key

    # -- the official public methods -----------------------------------------------------------

    def connect(self) -> None:
        """Exchange the API key for an access token (POST /auth/api-key)."""
        with self._lock:
            self._token = self._exchange("/auth/api-key", {"apiKey": self.__api_key}, "the API key")

    def refresh_token(self) -> None:
        """Renew the access token with the refresh token (POST /auth/refresh)."""
        with self._lock:
            token = self._token
            if token is None or not token.refresh:
                raise ApiAuthException("cannot refresh the token before connecting")
            self._token = self._exchange("/auth/refresh", {"refreshToken": token.refresh}, "the refresh token")

    # -- hooks used by ApiClient.call ----------------------------------------------------------

    def auth_headers(self) -> Mapping[str, str]:
        if self._basic is not None:
            return self._basic
        token = self._token
        if token is None or time.monotonic() >= token.renew_at:
            token = self._renew(token)
        return token.headers

    def _on_unauthorized(self, used: Mapping[str, str]) -> bool:
        if self._basic is not None:
            return False
        token = self._token
        if token is not None and token.headers["Authorization"] != used.get("Authorization"):
            return True  # another thread renewed it meanwhile: just replay
        self._renew(token, force=True)
        return True

    def _renew(self, stale: Optional[_Token], force: bool = False) -> _Token:
        """Renew under the lock; threads that waited find the fresh token and send no second request."""
        with self._lock:
            current = self._token
            if current is not None and current is not stale and (force or time.monotonic() < current.renew_at):
                return current
            if current is not None and current.refresh:
                try:
                    payload = {"refreshToken": current.refresh}
                    self._token = self._exchange("/auth/refresh", payload, "the refresh token")
                    return self._token
                except ApiAuthException:
                    log.info("token refresh refused; authenticating again with the API key")
            self._token = self._exchange("/auth/api-key", {"apiKey": self.__api_key}, "the API key")
            return self._token

    def _exchange(self, path: str, payload: Mapping[str, str], what: str) -> _Token:
        import json

        self._check_transport()  # the key or refresh token is in the body: same rule as an Authorization header
        body = json.dumps(payload).encode()
        try:
            data = self.call(
                "POST", path, path, "", body, dict, headers={"Content-Type": "application/json"},
                auth=False, retry_safe=True,
            )  # fmt: skip
        except ApiConnectionException as exc:
            raise ApiAuthConnectionException(
                f"could not reach api.video to exchange {what}: {exc.reason}", route=f"POST {path}"
            ) from exc
        except ApiException as exc:
            detail = exc.title or exc.reason or "refused"
            raise ApiAuthException(
                exc.status, f"api.video refused {what} ({exc.status}: {detail})", body=exc.body, headers=exc.headers,
                route=f"POST {path}",
            ) from None  # fmt: skip
        try:
            access, expires_in = data["access_token"], float(data.get("expires_in", 3600))
            token = _Token(access, data.get("refresh_token"), str(data.get("token_type") or "Bearer"), expires_in)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ApiAuthException(None, f"malformed token answer from POST {path}") from None
        log.debug("authenticated with %s; the access token is valid for %.0f s", what, expires_in)
        return token

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> AuthenticatedApiClient:
        if self._basic is None:
            self.connect()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
