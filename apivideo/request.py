"""The prepared request: everything the transport needs for one HTTP exchange, built once per call.

Endpoints, uploads, the token exchange and the official ``call_api`` each build one and hand it to
:meth:`apivideo.api_client.ApiClient.send`. Retries, credentials, redaction and decoding then happen in that one
place. A caller that needs "the same request, a little different" (an upload chunk, a second part) makes a copy
with :meth:`PreparedRequest.replace`; it never writes a second call.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple, Union

from apivideo.retry import IDEMPOTENT_METHODS

# Which rate-limit budget a request draws from, as the API counts them.
UPLOAD, WRITE, READ = "upload", "write", "read"


class PreparedRequest:
    """One HTTP request, ready to send.

    - ``method``, ``route`` (the path template, used in logs and errors so no id or token appears there),
      ``path`` (percent-encoded) and ``query`` (encoded, without ``?``);
    - ``headers`` of this request (``Content-Type``, ``Content-Range``...); the client adds its own;
    - ``body``: ``bytes``, a re-iterable body with a length (an upload chunk), or None;
    - ``response``: the model class the answer decodes into, ``dict`` for plain JSON, or None (no body expected);
    - ``auth``: whether the client's credentials are added (``update_params_for_auth``), or the names of the
      auth settings to pass it (``call_api(auth_settings=...)``);
    - ``replay_safe``: whether sending it twice cannot duplicate anything (a 5xx or a reset may be retried);
    - ``secrets``: values that must never appear in an error or a log (an upload token, a key in the body);
    - ``bucket``: the rate-limit budget it draws from (``upload``, ``write`` or ``read``);
    - ``host``: another API root for this request only (the official ``_host``), else the configured one;
    - ``label``: ``POST /videos/{videoId}/source``, how logs, errors and rate-limit budgets name it (made from the
      method and the route).
    """

    __slots__ = ("method", "route", "path", "query", "headers", "body", "response", "auth", "replay_safe", "secrets",
                 "bucket", "host", "label")  # fmt: skip

    def __init__(
        self,
        method: str,
        route: str,
        path: Optional[str] = None,
        query: str = "",
        headers: Optional[Dict[str, str]] = None,
        body: Any = None,
        response: Any = None,
        *,
        auth: Union[bool, Sequence[str]] = True,
        replay_safe: Optional[bool] = None,
        secrets: Tuple[str, ...] = (),
        bucket: Optional[str] = None,
        host: Optional[str] = None,
    ) -> None:
        self.method = method
        self.route = route
        self.path = route if path is None else path
        self.query = query
        self.headers: Dict[str, str] = headers if headers is not None else {}
        self.body = body
        self.response = response
        self.auth = auth
        self.replay_safe = method in IDEMPOTENT_METHODS if replay_safe is None else replay_safe
        self.secrets = secrets
        self.bucket = bucket or (READ if method in ("GET", "HEAD", "OPTIONS") else WRITE)
        self.host = host  # None: the client's configured host
        self.label = f"{method} {route}"

    @property
    def carries_credentials(self) -> bool:
        return bool(self.auth) or bool(self.secrets)

    def replace(self, **changes: Any) -> PreparedRequest:
        """A copy with some attributes changed (``headers`` replaces the request's own headers)."""
        copy = PreparedRequest.__new__(PreparedRequest)
        for name in _GIVEN:
            object.__setattr__(copy, name, changes.pop(name, getattr(self, name)))
        if changes:
            raise TypeError(f"PreparedRequest has no attribute {sorted(changes)[0]!r}")
        copy.label = f"{copy.method} {copy.route}"
        return copy

    def url(self, host: str) -> str:
        root = self.host or host
        return f"{root}{self.path}?{self.query}" if self.query else root + self.path

    def __repr__(self) -> str:
        return f"PreparedRequest({self.label})"


_GIVEN = PreparedRequest.__slots__[:-1]  # what replace() may change: all but the label, made from method and route
