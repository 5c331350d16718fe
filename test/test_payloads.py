"""The recorded api.video responses (spec/payloads) go through the SDK without loss.

- every success payload decodes into the model its operation declares, and ``to_wire()`` gives back the same JSON
  (compared as parsed JSON, nulls kept);
- every documented error payload, answered by the emulator for the operation's route, raises the exception class of
  its status, carrying the problem fields (``type``, ``title``, ``name``, ``detail``, ``problems``).

Payload files are ``<resource>/<operation>/responses/<status>[-n].json``; the operation is the method
``<operation>`` of ``apivideo.api.<resource>_api``, found through the module's ``Operation`` declarations.
"""

from __future__ import annotations

import importlib
import json
import typing
from pathlib import Path
from typing import Any, List, Tuple

import pytest

import apivideo
from apivideo.endpoint import EndPoint, Operation
from apivideo.exceptions import (
    ApiException,
    BadRequestException,
    ConflictException,
    ForbiddenException,
    NotFoundException,
    TooManyRequestsException,
    UnauthorizedException,
)
from apivideo.model_utils import Model

PAYLOADS = Path(__file__).resolve().parents[1] / "spec" / "payloads"
SPEC = Path(__file__).resolve().parents[1] / "spec" / "oas_apivideo.yaml"

if not PAYLOADS.is_dir():  # pragma: no cover - spec/ ships with the tests
    pytest.skip(f"payloads not found at {PAYLOADS}", allow_module_level=True)

EXCEPTIONS = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    409: ConflictException,
    429: TooManyRequestsException,
}


def _payload_files() -> List[Tuple[str, str, int, Path]]:
    out = []
    for path in sorted(PAYLOADS.glob("*/*/responses/*.json")):
        resource, operation = path.parts[-4], path.parts[-3]
        out.append((resource, operation, int(path.stem.split("-")[0]), path))
    return out


FILES = _payload_files()
SUCCESS = [f for f in FILES if f[2] < 300]
ERRORS = [f for f in FILES if f[2] >= 400]


def _ids(files: List[Tuple[str, str, int, Path]]) -> List[str]:
    return [f"{r}.{o}-{p.stem}" for r, o, _, p in files]


def _find(resource: str, operation: str) -> Tuple[type, Operation[Any]]:
    """The Api class and the Operation of ``<resource>_api.<Class>.<operation>``."""
    module = importlib.import_module(f"apivideo.api.{resource}_api")
    ops = [v for v in vars(module).values() if isinstance(v, Operation) and v.name.endswith(f".{operation}")]
    assert len(ops) == 1, f"{resource}.{operation}: {ops}"
    classes = [
        v for v in vars(module).values() if isinstance(v, type) and issubclass(v, EndPoint) and v is not EndPoint
    ]
    assert len(classes) == 1
    assert ops[0].name == f"{classes[0].__name__}.{operation}"
    return classes[0], ops[0]


def test_payloads_are_found() -> None:
    assert len(FILES) > 150
    assert {f[0] for f in FILES} == {p.stem[:-4] for p in (Path(apivideo.__file__).parent / "api").glob("*_api.py")}
    assert SUCCESS and ERRORS
    assert {f[2] for f in FILES} <= {200, 201, 202, 204} | set(EXCEPTIONS)


def test_recorded_statuses_are_documented() -> None:
    """Each recorded status is one the spec documents for that operation (method and route from the Operation)."""
    yaml = pytest.importorskip("yaml")
    if not SPEC.is_file():
        pytest.skip("spec not found")
    with open(SPEC, encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for resource, operation, status, path in FILES:
        _, op = _find(resource, operation)
        documented = spec["paths"][op.route][op.method.lower()]["responses"]
        assert str(status) in documented, f"{path}: {status} not in {sorted(documented)}"


# --------------------------------------------------------------------------- success payloads


@pytest.mark.parametrize(("resource", "operation", "status", "path"), SUCCESS, ids=_ids(SUCCESS))
def test_success_payload_round_trips(resource: str, operation: str, status: int, path: Path) -> None:
    _, op = _find(resource, operation)
    assert op.response is not None, f"{op.name} declares no response model but {path.name} was recorded"
    raw = json.loads(path.read_text(encoding="utf-8"))
    model = op.response.from_wire(raw)
    assert isinstance(model, op.response)
    # nothing the server sent is lost or altered: the wire form is the very same JSON, nulls included
    assert model.to_wire() == raw
    assert json.loads(json.dumps(model.to_wire())) == raw
    # and the known fields were decoded into typed attributes, not left as additional properties
    assert not model.additional_properties, f"{op.response.__name__} does not declare {model.additional_properties}"


@pytest.mark.parametrize(("resource", "operation", "status", "path"), SUCCESS, ids=_ids(SUCCESS))
def test_success_payload_through_the_sdk(
    resource: str, operation: str, status: int, path: Path, client: Any, emu: Any, tmp_path: Path
) -> None:
    """The same payload, answered over HTTP for the operation's route, comes back from the method as its model."""
    api_cls, op = _find(resource, operation)
    body = path.read_bytes()
    emu.inject("raw", status=status, body=body, content_type="application/json", path=op.route, method=op.method)
    result = _call(api_cls(client), op, operation, client, tmp_path)
    assert isinstance(result, op.response)
    assert result.to_wire() == json.loads(body)


# --------------------------------------------------------------------------- error payloads


def _placeholder(tp: Any) -> Any:
    """A value of type ``tp`` for required model fields (client-side validation is off for these calls)."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
        origin = typing.get_origin(tp)
    if origin in (list, List):
        return [_placeholder(typing.get_args(tp)[0])]
    if isinstance(tp, type) and issubclass(tp, Model):
        return _model(tp)
    return {str: "x", int: 1, float: 1.0, bool: True}.get(tp, "x")


def _model(cls: type) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(*[_placeholder(hints[f.name]) for f in cls._positional])  # type: ignore[attr-defined]


def _call(api: EndPoint, op: Operation[Any], operation: str, client: Any, tmp_path: Path) -> Any:
    """Call ``op`` through its public method with placeholder values for the required parameters."""
    client.configuration.client_side_validation = False
    args = []
    for p in op.params:
        if not p.required:
            continue
        if p.where == "file":
            upload = tmp_path / "upload.png"
            upload.write_bytes(b"\x89PNG\r\n\x1a\n")
            args.append(upload)
        elif p.where == "body":
            args.append(_model(p.tp))
        else:
            args.append(p.enum[0] if p.enum else f"id_{p.name}")
    return getattr(api, operation)(*args)


@pytest.mark.parametrize(("resource", "operation", "status", "path"), ERRORS, ids=_ids(ERRORS))
def test_error_payload_raises_its_exception(
    resource: str, operation: str, status: int, path: Path, client: Any, emu: Any, tmp_path: Path
) -> None:
    api_cls, op = _find(resource, operation)
    body = path.read_bytes()
    problem = json.loads(body)
    client.configuration.retries = 0  # a 429 is raised at once instead of being waited out
    emu.inject(
        "raw", status=status, body=body, content_type="application/problem+json", path=op.route, method=op.method
    )
    with pytest.raises(ApiException) as info:
        _call(api_cls(client), op, operation, client, tmp_path)
    exc = info.value
    assert type(exc) is EXCEPTIONS[status]
    assert exc.status == status
    assert exc.route == f"{op.method} {op.route}"
    assert exc.problem == problem
    assert (exc.type, exc.title, exc.name, exc.detail) == (
        problem.get("type"), problem.get("title"), problem.get("name"), problem.get("detail"),
    )  # fmt: skip
    assert exc.problems == problem.get("problems", [])
    assert exc.headers["Content-Type"] == "application/problem+json"
    if status == 429:
        assert exc.retry_after is None  # the recorded answer carries no Retry-After header
    assert f"({status})" in str(exc)
    if "title" in problem:  # webhooks/create/400 has none (its message sits under "events")
        assert problem["title"] in str(exc)
    served = [r for r in emu.requests if r.injected == "raw"]
    assert len(served) == 1


def test_bad_request_payload_problems() -> None:
    """At least one recorded 400 lists several problems, so the field is exercised with real content."""
    with_problems = [json.loads(p.read_text()) for _, _, s, p in ERRORS if s == 400]
    assert any(len(p.get("problems", [])) > 1 for p in with_problems)


def test_429_payload_is_retried_then_succeeds(client: Any, emu: Any, sleeps: List[float]) -> None:
    """With retries on (the default), a recorded 429 with a Retry-After is waited out and the call succeeds."""
    api_cls, op = _find("videos", "list")
    body = (PAYLOADS / "videos" / "list" / "responses" / "429.json").read_bytes()
    emu.inject(
        "raw", status=429, body=body, content_type="application/problem+json", path=op.route, method=op.method,
        headers={"X-RateLimit-Retry-After": "2"},
    )  # fmt: skip
    result = api_cls(client).list()
    assert result.data == []
    assert sleeps == [2.0]
    assert [r.status for r in emu.requests if r.path == "/videos"] == [429, 200]
