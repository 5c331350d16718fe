"""Bad input to every public method of the 11 Api classes, generated from the operation declarations.

Each case must raise ApiTypeError or ApiValueError naming the method and the argument, before any request.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import typing
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest

import apivideo
import apivideo.api as api_pkg
import apivideo.model as model_pkg
from apivideo.configuration import Configuration
from apivideo.endpoint import EndPoint, Operation, Param
from apivideo.exceptions import ApiTypeError, ApiValueError
from apivideo.model_utils import Model

BAD_ENUM = "not-a-valid-value"


def _ops() -> List[Tuple[type, Operation[Any]]]:
    found = []
    for info in sorted(pkgutil.iter_modules(api_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"apivideo.api.{info.name}")
        classes = {
            name: obj
            for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, EndPoint) and obj is not EndPoint
        }
        for obj in vars(module).values():
            if isinstance(obj, Operation):
                cls_name = obj.name.split(".")[0]
                found.append((classes[cls_name], obj))
    return found


OPS = _ops()
API_CLASSES = sorted({cls for cls, _ in OPS}, key=lambda c: c.__name__)


def test_declarations_cover_every_public_method():
    assert len(API_CLASSES) == 11
    declared = {op.name for _, op in OPS}
    for cls in API_CLASSES:
        public = [n for n, v in vars(cls).items() if not n.startswith("_") and callable(v)]
        for name in public:
            if name.startswith("create_") and name.endswith("_session"):
                continue  # sessions are covered below through the operation they open
            assert f"{cls.__name__}.{name}" in declared, f"{cls.__name__}.{name} has no Operation declaration"


# --------------------------------------------------------------------------- values


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _valid(p: Param) -> Any:
    """A value that passes the client-side checks of ``p``."""
    if p.where == "file":
        return b"some bytes"
    tp = _unwrap_optional(p.tp)
    if p.enum:
        return [p.enum[0]] if typing.get_origin(tp) in (list, List) else p.enum[0]
    if tp is str:
        return "x1"
    if tp is bool:
        return True
    if tp is int:
        return int(p.minimum) if p.minimum is not None else 1
    if tp is float:
        return float(p.minimum) if p.minimum is not None else 1.0
    if tp in (dt.datetime,):
        return dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    if tp is dt.date:
        return dt.date(2024, 1, 1)
    origin = typing.get_origin(tp)
    if origin in (list, List):
        return ["a"] if typing.get_args(tp) in ((str,), ()) else []
    if origin in (dict, Dict):
        return {"k": "v"}
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp.from_wire({})  # no field set: passes the type, enum and range checks
    if tp is Any:
        return b"some bytes"
    raise AssertionError(f"no valid value for {p.name}: {tp!r}")


def _wrong_type(p: Param) -> Any:
    if p.where == "file":
        return 12345
    tp = _unwrap_optional(p.tp)
    if tp in (int, float):
        return "12"
    if tp is bool:
        return "yes"
    origin = typing.get_origin(tp)
    if origin in (list, List):
        return 12345
    if origin in (dict, Dict):
        return ["not", "a", "dict"]
    if isinstance(tp, type) and issubclass(tp, Model):
        return {"a": "plain dict instead of a model"}
    return 12345  # str, datetime, date


class Case(NamedTuple):
    id: str
    cls: type
    method: str
    kwargs: Dict[str, Any]
    argument: str
    error: type
    session: bool = False


def _method_name(op: Operation[Any]) -> str:
    return op.name.split(".", 1)[1]


def _base(op: Operation[Any]) -> Dict[str, Any]:
    return {p.name: _valid(p) for p in op.params if p.required}


def _cases() -> Iterator[Case]:
    for cls, op in OPS:
        method = _method_name(op)
        for p in op.params:
            base = _base(op)

            def case(
                kind: str, value: Any, error: type, p: Param = p, base: Dict[str, Any] = base, op: Operation[Any] = op,
                cls: type = cls, method: str = method,
            ) -> Case:  # fmt: skip
                return Case(f"{op.name}-{p.name}-{kind}", cls, method, {**base, p.name: value}, p.name, error)

            yield case("wrong_type", _wrong_type(p), ApiTypeError)
            tp = _unwrap_optional(p.tp)
            if p.required:
                yield case("none_required", None, ApiTypeError)
            if p.where == "path":
                yield case("empty", "", ApiValueError)
            if tp is int and p.where != "file":
                yield case("bool_for_int", True, ApiTypeError)
                yield case("float_for_int", 2.5, ApiTypeError)
            if p.minimum is not None:
                yield case("below_minimum", int(p.minimum) - 1, ApiValueError)
            if p.maximum is not None:
                yield case("above_maximum", int(p.maximum) + 1, ApiValueError)
            if p.enum:
                yield case("bad_enum", BAD_ENUM, ApiValueError)
            if typing.get_origin(tp) in (list, List):
                yield case("list_item_type", ["ok", 3], ApiTypeError)
            if typing.get_origin(tp) in (dict, Dict):
                yield case("dict_value_type", {"k": 3}, ApiTypeError)
            if isinstance(tp, type) and issubclass(tp, Model):
                yield from _model_cases(cls, op, p, base)
        yield Case(f"{op.name}-unknown_keyword", cls, method, {**_base(op), "no_such_argument": 1},
                   "no_such_argument", ApiTypeError)  # fmt: skip
    # progressive sessions: the same checks on the operation they open
    for cls, op in OPS:
        if op.upload != "chunked":
            continue
        method = {
            "VideosApi.upload": "create_upload_progressive_session",
            "VideosApi.upload_with_upload_token": "create_upload_with_upload_token_progressive_session",
        }[op.name]
        for p in op.params:
            if p.where == "file":
                continue
            base = {q.name: _valid(q) for q in op.params if q.required and q.where != "file"}
            name = f"{cls.__name__}.{method}-{p.name}"
            yield Case(f"{name}-wrong_type", cls, method, {**base, p.name: 12345}, p.name, ApiTypeError, True)
            if p.required:
                yield Case(f"{name}-none_required", cls, method, {**base, p.name: None}, p.name, ApiTypeError, True)
            if p.where == "path":
                yield Case(f"{name}-empty", cls, method, {**base, p.name: ""}, p.name, ApiValueError, True)


def _model_cases(cls: type, op: Operation[Any], p: Param, base: Dict[str, Any]) -> Iterator[Case]:
    """Rules of the fields of a request model (enum, range, pattern, type), one case per rule."""
    model = _unwrap_optional(p.tp)
    hints = typing.get_type_hints(model)
    for f in model._fields:
        bad: List[Tuple[str, Any, type]] = []
        if f.enum:
            bad.append(("bad_enum", BAD_ENUM, ApiValueError))
        if f.minimum is not None:
            bad.append(("below_minimum", int(f.minimum) - 1, ApiValueError))
        if f.maximum is not None:
            bad.append(("above_maximum", int(f.maximum) + 1, ApiValueError))
        ftp = _unwrap_optional(hints.get(f.name, Any))
        if ftp in (str, int, bool):
            bad.append(("wrong_type", 12345 if ftp is not int else "12", ApiTypeError))
        for kind, value, error in bad:
            if typing.get_origin(ftp) in (list, List) and kind != "wrong_type":
                value = [value]
            instance = model.from_wire({f.wire: value})  # bypasses the constructor's checks, as a server could
            yield Case(f"{op.name}-{p.name}.{f.name}-{kind}", cls, _method_name(op), {**base, p.name: instance},
                       p.name, error)  # fmt: skip


CASES = list(_cases())


def test_enough_cases_were_generated():
    assert len(CASES) > 300
    kinds = {c.id.rsplit("-", 1)[1] for c in CASES}
    assert {"wrong_type", "none_required", "empty", "below_minimum", "above_maximum", "bad_enum"} <= kinds
    assert "unknown_keyword" in {c.id.rsplit("-", 1)[1] for c in CASES}
    assert {c.cls for c in CASES} == set(API_CLASSES)


# --------------------------------------------------------------------------- the runs


class _Recorder:
    def __init__(self, real: Any) -> None:
        self.real, self.calls = real, []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(args[:2])
        return self.real(*args, **kwargs)


@pytest.fixture(scope="module")
def api_client(_emulator):
    client = apivideo.ApiClient(Configuration(host=_emulator.host, username=_emulator.api_key, retries=0))
    client.rest_client.request = _Recorder(client.rest_client.request)  # type: ignore[method-assign]
    yield client
    client.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_before_any_request(case: Case, api_client, _emulator):
    api = case.cls(api_client)
    method = getattr(api, case.method)
    sent_before = len(_emulator.requests)
    recorded_before = len(api_client.rest_client.request.calls)
    with pytest.raises(case.error) as err:
        method(**case.kwargs)
    message = str(err.value)
    assert f"{case.cls.__name__}.{case.method.split('-')[0]}" in message or (
        case.session and case.cls.__name__ in message
    ), f"the message does not name the method: {message!r}"
    assert f"'{case.argument}'" in message, f"the message does not name the argument: {message!r}"
    assert len(api_client.rest_client.request.calls) == recorded_before, "a request was attempted"
    assert len(_emulator.requests) == sent_before, "a request reached the server"


def test_every_signature_matches_its_declaration():
    """The generated cases call methods by keyword: every declared parameter must be a keyword of the method."""
    for cls, op in OPS:
        sig = inspect.signature(getattr(cls, _method_name(op)))
        for p in op.params:
            assert p.name in sig.parameters, f"{op.name}: no parameter {p.name}"


def test_client_side_validation_off_still_checks_types(_emulator):
    client = apivideo.ApiClient(
        Configuration(host=_emulator.host, username=_emulator.api_key, client_side_validation=False, retries=0)
    )
    from apivideo.api.videos_api import VideosApi

    before = len(_emulator.requests)
    with pytest.raises(ApiTypeError, match=r"VideosApi\.list\(\) argument 'page_size'"):
        VideosApi(client).list(page_size="10")
    with pytest.raises(ApiValueError, match=r"VideosApi\.get\(\).*'video_id'"):
        VideosApi(client).get("")
    assert len(_emulator.requests) == before
    client.close()


def _all_models() -> List[type]:
    out = []
    for info in pkgutil.iter_modules(model_pkg.__path__):
        module = importlib.import_module(f"apivideo.model.{info.name}")
        out += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Model) and v is not Model]
    return sorted(set(out), key=lambda c: c.__name__)


@pytest.mark.parametrize("model", _all_models(), ids=lambda c: c.__name__)
def test_model_constructor_refuses_unknown_keyword_and_wrong_types(model):
    with pytest.raises(ApiTypeError, match=model.__name__):
        model(**{f.name: _valid_for_field(model, f) for f in model._positional}, no_such_field=1)
    hints = typing.get_type_hints(model)
    for f in model._fields:
        ftp = _unwrap_optional(hints.get(f.name, Any))
        if ftp in (str, int, bool):
            kwargs = {g.name: _valid_for_field(model, g) for g in model._positional if g.name != f.name}
            with pytest.raises(ApiTypeError, match=rf"{model.__name__}\.{f.name}|{model.__name__}\(\)"):
                model(**kwargs, **{f.name: object()})


def _valid_for_field(model: type, f: Any) -> Optional[Any]:
    tp = _unwrap_optional(typing.get_type_hints(model).get(f.name, Any))
    fake = Param(f.name, f.wire, "body", tp, enum=f.enum, minimum=f.minimum, maximum=f.maximum)
    if f.pattern is not None:
        return None
    return _valid(fake)
