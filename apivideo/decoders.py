"""Decoders of JSON values into python objects: timestamps, dates, and arrays or maps of models.

Only datetimes, nested models and lists/dicts of them need one; other values are used as received.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Dict, List

from apivideo.exceptions import ApiValueError

Decoder = Callable[[Any], Any]
_UTC = _dt.timezone.utc
_fromisoformat = _dt.datetime.fromisoformat


def as_decoder(decode: Any) -> Decoder:
    """A decoder function: a model class stands for its ``from_wire``."""
    from_wire = getattr(decode, "from_wire", None)
    return from_wire if isinstance(decode, type) and from_wire is not None else decode  # type: ignore[no-any-return]


def parse_datetime(value: Any) -> _dt.datetime:
    """Parse an ISO 8601 timestamp into a timezone-aware datetime (UTC when no offset is given)."""
    try:
        parsed = _fromisoformat(value)  # the common case, in C
    except (TypeError, ValueError):
        parsed = _parse_datetime_slow(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_UTC)


def _parse_datetime_slow(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str):
        raise ApiValueError(f"expected an ISO 8601 date-time string, got {type(value).__name__}")
    try:
        return _fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        from dateutil.parser import isoparse  # rare formats only: keep dateutil off the import path

        try:
            return isoparse(value)
        except (ValueError, OverflowError) as exc:
            raise ApiValueError(f"invalid date-time {value!r}") from exc


def parse_date(value: Any) -> _dt.date:
    """Parse an ISO 8601 calendar date."""
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        raise ApiValueError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    try:
        return _dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ApiValueError(f"invalid date {value!r}") from exc


def list_of(item: Any) -> Decoder:
    """A decoder for a JSON array whose items go through ``item`` (a decoder or a model class)."""
    dec = as_decoder(item)

    def decode_list(value: Any) -> List[Any]:
        if not isinstance(value, list):
            raise ApiValueError(f"expected a JSON array, got {type(value).__name__}")
        return [None if v is None else dec(v) for v in value]

    decode_list.list_item = item  # type: ignore[attr-defined]  # lets models inline the loop
    return decode_list


def dict_of(item: Any) -> Decoder:
    """A decoder for a JSON object whose values go through ``item`` (a decoder or a model class)."""
    dec = as_decoder(item)

    def decode_dict(value: Any) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise ApiValueError(f"expected a JSON object, got {type(value).__name__}")
        return {k: None if v is None else dec(v) for k, v in value.items()}

    return decode_dict
