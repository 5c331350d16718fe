"""Property-based tests: decoding any JSON, model round-trips, query and path encoding through the emulator."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import typing
from typing import Any, Dict, List
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import apivideo
import apivideo.model as model_pkg
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.exceptions import ApiException, ApiValueError, NotFoundException
from apivideo.model.video import Video
from apivideo.model_utils import Model

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _all_models() -> List[type]:
    out = set()
    for info in pkgutil.iter_modules(model_pkg.__path__):
        module = importlib.import_module(f"apivideo.model.{info.name}")
        out.update(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Model) and v is not Model)
    return sorted(out, key=lambda c: c.__name__)


MODELS = _all_models()

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
any_json = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def model_and_dict_of_its_fields(draw: Any) -> tuple:
    model = draw(st.sampled_from(MODELS))
    wires = [f.wire for f in model._fields] or ["x"]
    keys = draw(st.lists(st.sampled_from(wires), max_size=len(wires), unique=True))
    data = {k: draw(any_json) for k in keys}
    if draw(st.booleans()):
        data[draw(st.text(max_size=8))] = draw(any_json)
    return model, data


def test_there_are_many_models():
    assert len(MODELS) > 80


@settings(max_examples=150, deadline=None)
@given(model=st.sampled_from(MODELS), data=any_json)
def test_any_json_decodes_or_raises_a_clean_error(model, data):
    try:
        obj = model.from_wire(data)
    except (ApiException, ApiValueError):
        return
    assert isinstance(obj, model)
    repr(obj)
    obj.to_wire()


@settings(max_examples=200, deadline=None)
@given(model_and_dict_of_its_fields())
def test_dicts_with_the_model_fields_decode_or_raise_a_clean_error(pair):
    model, data = pair
    try:
        obj = model.from_wire(data)
    except (ApiException, ApiValueError):
        return
    assert isinstance(obj, model)
    repr(obj)
    obj.to_dict()
    obj.to_wire()


# --------------------------------------------------------------------------- round trips

_aware = st.datetimes(
    min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.timezone.utc)
)
_text = st.text(max_size=12)


def _wire_for(tp: Any, depth: int) -> st.SearchStrategy:
    """A strategy of valid wire values for the annotation ``tp``."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | st.one_of([_wire_for(a, depth) for a in args])
    if tp is str:
        return _text
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**40), 2**40)
    if tp is float:
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if tp is dt.datetime:
        return _aware.map(lambda d: d.isoformat())
    if tp is dt.date:
        return st.dates(dt.date(1971, 1, 1), dt.date(2200, 1, 1)).map(lambda d: d.isoformat())
    if origin in (list, List):
        (item,) = typing.get_args(tp) or (Any,)
        return st.lists(_wire_for(item, depth + 1), max_size=0 if depth > 2 else 3)
    if origin in (dict, Dict):
        _, value = typing.get_args(tp) or (str, Any)
        return st.dictionaries(_text, _wire_for(value, depth + 1), max_size=0 if depth > 2 else 3)
    if isinstance(tp, type) and issubclass(tp, Model):
        return _wire_dict(tp, depth + 1)
    return json_scalars


def _wire_dict(model: type, depth: int = 0) -> st.SearchStrategy:
    hints = typing.get_type_hints(model)
    if depth > 3:
        return st.just({})
    return st.fixed_dictionaries(
        {}, optional={f.wire: st.deferred(lambda f=f: _wire_for(hints.get(f.name, Any), depth)) for f in model._fields}
    )


@st.composite
def valid_model_wire(draw: Any) -> tuple:
    model = draw(st.sampled_from(MODELS))
    return model, draw(_wire_dict(model))


@settings(max_examples=150, deadline=None)
@given(valid_model_wire())
def test_models_round_trip(pair):
    model, wire = pair
    obj = model.from_wire(wire)
    again = model.from_wire(obj.to_wire())
    assert again == obj
    assert model.from_wire(again.to_wire()).to_wire() == obj.to_wire()


# --------------------------------------------------------------------------- encoding through the emulator


@pytest.fixture(scope="module")
def videos(_emulator):
    client = apivideo.ApiClient(Configuration(host=_emulator.host, username=_emulator.api_key, retries=0))
    yield VideosApi(client)
    client.close()


_pieces = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6) | st.sampled_from(
    ["/", "?", "#", "%", "%2F", "..", ".", "\r", "\n", "\r\n", "&", "=", "+", " ", "\x00", "é", "日本", "\U0001f600"]
)
tricky_text = st.lists(_pieces, min_size=1, max_size=6).map("".join)


@FAST
@given(s=tricky_text)
def test_query_values_round_trip(videos, _emulator, s):
    videos.list(title=s, tags=[s, "x"], metadata={s: s})
    rec = _emulator.requests[-1]
    assert rec.path == "/videos"
    assert ("title", s) in rec.query
    assert [v for k, v in rec.query if k == "tags[]"] == [s, "x"]
    assert (f"metadata[{s}]", s) in rec.query


@FAST
@given(s=tricky_text)
def test_path_segments_round_trip(videos, _emulator, s):
    with pytest.raises(NotFoundException) as err:
        videos.get(s)
    rec = _emulator.requests[-1]
    segments = rec.path.split("/")
    assert len(segments) == 3 and segments[1] == "videos", rec.raw_path
    assert unquote(segments[2]) == s
    assert err.value.detail == f'No resource found for "videoId" = "{s}".'


@settings(max_examples=40, deadline=None)
@given(body=any_json)
def test_any_json_answer_gives_a_model_or_an_api_exception(videos, _emulator, body):
    """Through the whole client: a 200 with any JSON must not leak a programmer error (ApiValueError) or
    anything else."""
    import json

    _emulator.clear_faults()
    _emulator.inject("raw", status=200, body=json.dumps(body).encode())
    try:
        result = videos.get("vi1")
    except ApiException:
        return
    assert isinstance(result, Video)
