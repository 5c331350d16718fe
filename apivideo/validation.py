"""Checks of request values against their declared types and the API's rules (enums, ranges, patterns).

Used on arguments and request payloads before anything is sent; responses are never checked.
"""

from __future__ import annotations

import datetime as _dt
import re
import typing
from typing import Any, Dict, List, Optional, Tuple, Union

from apivideo.exceptions import ApiValueError


def type_problem(value: Any, tp: Any) -> Optional[str]:
    """Why ``value`` does not fit the annotation ``tp``, or None when it does."""
    if tp is Any or tp is object:
        return None
    origin = typing.get_origin(tp)
    if origin is Union:
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        problems = [type_problem(value, a) for a in args if a is not type(None)]
        return None if any(p is None for p in problems) else problems[0]
    if value is None:
        return f"expected {_type_name(tp)}, got None"
    if origin in (list, List):
        if not isinstance(value, (list, tuple)):
            return f"expected a list, got {type(value).__name__}"
        (item_tp,) = typing.get_args(tp) or (Any,)
        for i, item in enumerate(value):
            p = type_problem(item, item_tp)
            if p:
                return f"item {i}: {p}"
        return None
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            return f"expected a dict, got {type(value).__name__}"
        _, val_tp = typing.get_args(tp) or (str, Any)
        for k, item in value.items():
            if not isinstance(k, str):
                return f"dict keys must be str, got {type(k).__name__}"
            p = type_problem(item, val_tp)
            if p:
                return f"key {k!r}: {p}"
        return None
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is _dt.date:
        ok = isinstance(value, (_dt.date, str))
    elif tp is _dt.datetime:
        ok = isinstance(value, (_dt.datetime, str))
    elif isinstance(tp, type):
        ok = isinstance(value, tp)
    else:
        ok = True
    return None if ok else f"expected {_type_name(tp)}, got {type(value).__name__}"


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def check_value(
    label: str,
    value: Any,
    enum: Optional[Tuple[str, ...]],
    minimum: Optional[float],
    maximum: Optional[float],
    pattern: Optional[re.Pattern[str]] = None,
) -> None:
    """Raise ApiValueError when ``value`` (or each item of a list) breaks an enum, range or pattern rule."""
    for item in value if isinstance(value, (list, tuple)) else (value,):
        if enum is not None and isinstance(item, str) and item not in enum:
            raise ApiValueError(f"{label}: {item!r} is not one of {', '.join(enum)}")
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            if minimum is not None and item < minimum:
                raise ApiValueError(f"{label}: {item} is below the minimum {_num(minimum)}")
            if maximum is not None and item > maximum:
                raise ApiValueError(f"{label}: {item} is above the maximum {_num(maximum)}")
        if pattern is not None and isinstance(item, str) and not pattern.search(item):
            raise ApiValueError(f"{label}: {item!r} does not match {pattern.pattern}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
