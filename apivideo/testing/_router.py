"""Routing table and the per-request context handed to handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ._common import Query, problem, q_all, q_first
from ._multipart import BodyReader, FileTargetFactory, Form, parse_multipart
from ._state import State

Result = tuple[int, Any]
Handler = Callable[["Ctx"], Result]


class Ctx:
    """Everything a handler needs about the current request."""

    def __init__(
        self,
        state: State,
        method: str,
        params: dict[str, str],
        query: Query,
        headers: Any,
        reader: BodyReader,
        host: str,
        path: str,
    ):
        self.state = state
        self.method = method
        self.params = params
        self.query = query
        self.headers = headers
        self.reader = reader
        self.host = host
        self.path = path
        self.injected: str | None = None  # a fault the handler applied (recorded in the request log)

    def q(self, name: str) -> str | None:
        return q_first(self.query, name)

    def qall(self, *names: str) -> list[str]:
        return q_all(self.query, *names)

    def json(self) -> dict[str, Any]:
        raw = self.reader.read()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise problem(400, "request-invalid-body", "The request body is not valid JSON.", "body") from None
        if not isinstance(body, dict):
            raise problem(400, "request-invalid-body", "The request body must be a JSON object.", "body")
        return body

    def form(self, make_target: FileTargetFactory | None = None) -> Form:
        return parse_multipart(self.reader, self.headers.get("Content-Type", ""), make_target)

    def single_file(self, form: Form, name: str = "file") -> Any:
        files = form.files(name)
        if not files:
            raise problem(400, "uploaded-file-no-file", "There is no uploaded file in the request.", name)
        if len(files) > 1:
            raise problem(
                400, "uploaded-file-multiple-files", "There is more than one uploaded file in the request.", name
            )
        return files[0]


class Route:
    def __init__(self, method: str, pattern: str, handler: Handler, secured: bool):
        self.method = method
        self.pattern = pattern
        self.segments = pattern.strip("/").split("/")
        self.handler = handler
        self.secured = secured

    def match(self, segs: list[str]) -> dict[str, str] | None:
        if len(segs) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.segments, segs):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, secured: bool = True) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes.append(Route(method, pattern, fn, secured))
            return fn

        return deco

    def extend(self, other: Router) -> None:
        self.routes.extend(other.routes)

    def resolve(self, method: str, segs: list[str]) -> tuple[Route, dict[str, str]]:
        allowed = []
        for route in self.routes:
            params = route.match(segs)
            if params is None:
                continue
            if route.method == method:
                return route, params
            allowed.append(route.method)
        if allowed:
            err = problem(405, "method-not-allowed", "Method not allowed.")
            err.headers["Allow"] = ", ".join(sorted(set(allowed)))
            raise err
        raise problem(404, "unrecognized-request-url", "Unrecognized request URL.")
