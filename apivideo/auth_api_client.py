"""AuthenticatedApiClient: exchanges the API key for tokens and keeps them fresh, on the calling thread."""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from apivideo.api_client import _OWN_HOOKS, ApiClient, _Secret
from apivideo.configuration import PRODUCTION_HOST, SANDBOX_HOST, Configuration
from apivideo.exceptions import (
    ApiAuthConnectionException,
    ApiAuthException,
    ApiConnectionException,
    ApiException,
    ApiTypeError,
    ApiValueError,
)
from apivideo.request import PreparedRequest
from apivideo.wire import JSON_HEADERS, encode_json

log = logging.getLogger("apivideo")
HOST_ENVIRONMENT = {"production": PRODUCTION_HOST, "sandbox": SANDBOX_HOST}
REFRESH_MARGIN = 30.0  # seconds before expiry at which a token is renewed (less for very short lifetimes)
RENEW_RETRY = 5.0  # after a failed early renewal, seconds before the next attempt (the token is still valid)


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


def _read_token(data: Any) -> Optional[_Token]:
    """The token of an answer, or None when it has no usable one (a token must fit in a header as it is)."""
    try:
        access, token_type = data["access_token"], data.get("token_type") or "Bearer"
        expires_in = float(data.get("expires_in", 3600))
        refresh = data.get("refresh_token")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    usable = (
        isinstance(access, str) and bool(access) and access.isascii() and access.isprintable() and " " not in access
    )
    if not usable or not isinstance(token_type, str) or not token_type.isalpha() or not 0 < expires_in < 10**9:
        return None
    if refresh is not None and not (isinstance(refresh, str) and refresh.isascii() and refresh.isprintable()):
        return None
    return _Token(access, refresh, token_type, expires_in)


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
        self._key = _Secret(api_key)
        self._basic = (
            _Secret("Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")) if basic_auth else None
        )
        self._token: Optional[_Token] = None
        self.token_type = "Bearer"

    def _start_process_state(self) -> None:
        super()._start_process_state()
        self._lock = threading.Lock()  # after fork(): a lock held by a thread of the parent would never be released

    @property
    def api_key(self) -> str:
        return self._key.value

    # -- the official public methods -----------------------------------------------------------

    def connect(self) -> None:
        """Exchange the API key for an access token (POST /auth/api-key)."""
        with self._lock:
            self._token = self._exchange("/auth/api-key", {"apiKey": self.api_key}, "the API key")

    def refresh_token(self) -> None:
        """Renew the access token with the refresh token (POST /auth/refresh)."""
        with self._lock:
            token = self._token
            if token is None or not token.refresh:
                raise ApiAuthException("cannot refresh the token before connecting")
            self._token = self._exchange("/auth/refresh", {"refreshToken": token.refresh}, "the refresh token")

    # -- the credential hooks of ApiClient.send ------------------------------------------------

    def update_params_for_auth(
        self, headers: Dict[str, str], querys: Any, auth_settings: Optional[Sequence[str]], resource_path: str,
        method: str, body: Any,
    ) -> None:  # fmt: skip
        """Add ``Authorization`` with a valid access token, exchanging the key or renewing the token first when
        needed (on this thread). Override it to stub or customise authentication, as with the official client."""
        if not auth_settings:
            return
        if self._basic is not None:
            headers["Authorization"] = self._basic.value
            return
        token = self._token
        if token is None or time.monotonic() >= token.renew_at:
            token = self._renew(token)
        headers["Authorization"] = token.headers["Authorization"]

    @property
    def has_credentials(self) -> bool:
        return True

    def _held_secrets(self) -> Tuple[str, ...]:
        held = (*super()._held_secrets(), self.api_key)
        if self._basic is not None:
            held += (self._basic.value, self._basic.value.partition(" ")[2])
        token = self._token
        if token is not None:
            authorization = token.headers["Authorization"]
            held += (authorization, authorization.partition(" ")[2])
            if token.refresh:
                held += (token.refresh,)
        return held

    def _on_unauthorized(self, used: Mapping[str, str]) -> bool:
        if self._basic is not None or "Authorization" not in used:
            return False  # HTTP Basic, or an update_params_for_auth override that sent no token: nothing to renew
        token = self._token
        if token is not None and token.headers["Authorization"] != used.get("Authorization"):
            return True  # another thread renewed it meanwhile: just replay
        self._renew(token, force=True)
        return True

    def _renew(self, stale: Optional[_Token], force: bool = False) -> _Token:
        """Renew under the lock; threads that waited find the fresh token and send no second request. When
        renewing ahead of expiry fails (a malformed answer, an outage), the still-valid token is kept."""
        with self._lock:
            current = self._token
            if current is not None and current is not stale and (force or time.monotonic() < current.renew_at):
                return current
            try:
                return self._renew_locked(current)
            except ApiException as exc:
                if force or current is None or time.monotonic() >= current.expires_at - 1.0:
                    raise
                log.warning("renewing the access token failed (%s); the current one stays valid until it expires",
                            type(exc).__name__)  # fmt: skip
                current.renew_at = min(current.expires_at - 1.0, time.monotonic() + RENEW_RETRY)  # not on every call
                return current

    def _renew_locked(self, current: Optional[_Token]) -> _Token:
        """The refresh token first; when it is refused, the API key."""
        if current is not None and current.refresh:
            try:
                self._token = self._exchange("/auth/refresh", {"refreshToken": current.refresh}, "the refresh token")
                return self._token
            except ApiAuthException as exc:
                if isinstance(exc, ApiConnectionException):
                    raise
                log.info("token refresh refused; authenticating again with the API key")
        self._token = self._exchange("/auth/api-key", {"apiKey": self.api_key}, "the API key")
        return self._token

    def _exchange(self, path: str, payload: Mapping[str, str], what: str) -> _Token:
        """POST the key (or refresh token) and read the token answer. Only a 4xx refuses the credential; an
        outage stays a ServiceException or a connection error, and an answer without a usable token is refused."""
        request = PreparedRequest(
            "POST", path, headers=dict(JSON_HEADERS), body=encode_json(payload), response=dict, auth=False,
            replay_safe=True, secrets=tuple(payload.values()), bucket="auth",
        )  # fmt: skip
        failure: Optional[ApiException] = None
        try:
            data, _ = self.send(request)
        except ApiConnectionException as exc:
            failure = ApiAuthConnectionException(
                f"could not reach {self.configuration.host} to exchange {what}: {exc.reason}", route=f"POST {path}"
            )
            failure.__cause__ = exc  # redacted already, and the operating system's reason is in its chain
        except ApiException as exc:
            if exc.status is not None and exc.status < 300:  # a success that is not JSON: it may hold a token
                failure = ApiAuthException(None, f"malformed token answer from POST {path}: not JSON")
            elif exc.status is None or not 400 <= exc.status < 500:
                raise  # a 5xx or a redirect: the service failed, the credential was not refused
            else:
                detail = exc.title or exc.reason or "refused"
                failure = ApiAuthException(
                    exc.status, f"api.video refused {what} ({exc.status}: {detail})", body=exc.body,
                    headers=exc.headers, route=f"POST {path}",
                )  # fmt: skip
        if failure is not None:
            raise failure  # raised outside the handler: no chained error holds the answer or the credential
        token = _read_token(data)
        if token is None:
            raise ApiAuthException(None, f"malformed token answer from POST {path}: no usable access token")
        log.debug("authenticated with %s; the token is valid for %.0f s", what, token.expires_at - time.monotonic())
        return token

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> AuthenticatedApiClient:
        if self._basic is None:
            self.connect()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __setstate__(self, state: Dict[str, Any]) -> None:
        super().__setstate__(state)
        self._token = None  # the configuration and the key travelled; a token never does


_OWN_HOOKS.add(AuthenticatedApiClient.update_params_for_auth)
