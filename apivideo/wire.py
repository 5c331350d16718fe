"""Wire form of request parameters: path segments, query strings and header values."""

from __future__ import annotations

from typing import Any, Iterable, Tuple
from urllib.parse import quote

from apivideo.exceptions import ApiValueError
from apivideo.model_utils import Model, to_wire_value


def encode_path_segment(name: str, value: Any, where: str) -> str:
    """Percent-encode one path parameter so it can never leave its segment ('/', '?', '#', '..' included)."""
    text = value if isinstance(value, str) else str(value)
    if not text:
        raise ApiValueError(f"{where}: '{name}' must not be empty")
    if text.isalnum() and text.isascii():
        return text  # an id: nothing to encode
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="")


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return str(to_wire_value(value))
    return str(value)


def query_pairs(name: str, value: Any) -> Iterable[Tuple[str, str]]:
    """Wire pairs of one query parameter: lists as repeated ``name[]``-style keys, dicts as ``name[key]``."""
    if isinstance(value, Model):
        value = value.to_wire()
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, (list, tuple)):
                for sub in item:
                    yield f"{name}[{key}][]", _scalar(sub)
            else:
                yield f"{name}[{key}]", _scalar(to_wire_value(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield name, _scalar(item)
    else:
        yield name, _scalar(value)


def encode_query(pairs: Iterable[Tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


def encode_json(value: Any) -> bytes:
    """The compact JSON body of a request: models, datetimes, lists and dicts in their wire form."""
    import json

    return json.dumps(to_wire_value(value), separators=(",", ":")).encode()


JSON_HEADERS = {"Content-Type": "application/json"}
