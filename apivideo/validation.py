"""Every check of what a caller passes, before anything is sent: argument and field types, the API's rules
(enums, ranges, patterns), request models, and per-call options. Responses are never checked.
"""

from __future__ import annotations

import datetime as _dt
import re
import typing
from typing import AbstractSet, Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from apivideo.exceptions import ApiTypeError, ApiValueError


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


# --------------------------------------------------------------------------- arguments of a call

_HINTS: Dict[type, Dict[str, Any]] = {}


def _hints(cls: type) -> Dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def check_field(cls: type, f: Any, value: Any) -> None:
    """A model constructor's check of one field value against the field's declared type."""
    problem = type_problem(value, _hints(cls).get(f.name, Any))
    if problem:
        raise ApiTypeError(f"{cls.__name__}.{f.name}: {problem}")


def check_model(model: Any, where: str) -> None:
    """Check a request model, nested ones included, against declared types, enums, ranges and patterns."""
    cls = type(model)
    hints = _hints(cls)
    for f in cls._fields:
        value = model.get(f.name)
        if value is None:
            continue
        problem = type_problem(value, hints.get(f.name, Any))
        if problem:
            raise ApiTypeError(f"{where}: {cls.__name__}.{f.name}: {problem}")
        check_value(f"{where}: {cls.__name__}.{f.name}", value, f.enum, f.minimum, f.maximum, f.pattern)
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if hasattr(type(item), "_fields"):  # a nested model
                check_model(item, where)


def checker(tp: Any, where: str) -> Callable[[Any], Optional[str]]:
    """A function telling why a value does not fit a parameter of type ``tp`` (None when it does)."""
    if where == "file":
        import os

        return lambda v: (
            None if isinstance(v, (str, bytes, bytearray, memoryview, os.PathLike)) or hasattr(v, "read")
            else f"expected an open binary file, bytes or a path, got {type(v).__name__}"
        )  # fmt: skip
    if tp is str:
        return lambda v: None if isinstance(v, str) else f"expected str, got {type(v).__name__}"
    return lambda v: type_problem(v, tp)


def check_argument(op_name: str, param: Any, value: Any, rules: bool, types: bool = True) -> None:
    """Check one argument: its type unless ``types`` is off (the official ``_check_input_type=False``), its enum,
    range and model rules unless ``rules`` is off (``client_side_validation=False``)."""
    label = f"{op_name}() argument '{param.name}'"
    problem = param.check(value) if types else None
    if problem:
        raise ApiTypeError(f"{label}: {problem}")
    if not rules:
        return
    if param.enum or param.minimum is not None or param.maximum is not None:
        check_value(label, value, param.enum, param.minimum, param.maximum)
    if hasattr(value, "_fields"):
        check_model(value, label)


def check_options(op_name: str, options: Mapping[str, Any], allowed: AbstractSet[str]) -> None:
    """Unknown per-call keywords are refused, and the SDK's own options are checked, before any request."""
    for key, value in options.items():
        if key not in allowed:
            raise ApiTypeError(f"{op_name}() got an unexpected keyword argument '{key}'")
        if value is None:
            continue
        if key == "_request_timeout" and not _is_timeout(value):
            raise ApiValueError(
                f"{op_name}() argument '_request_timeout': expected a finite number of seconds > 0, or a"
                f" (connect, read) pair of them, got {value!r}"
            )
        elif key == "_retries":
            from apivideo.retry import as_policy

            as_policy(value, f"{op_name}() argument '_retries'")
        elif key == "_headers":
            if not isinstance(value, Mapping):
                raise ApiTypeError(f"{op_name}() argument '_headers': expected a dict, got {type(value).__name__}")
            for name, header in value.items():
                check_header_value(name, header)
                if isinstance(name, str) and name.lower() in _FRAMING:
                    raise ApiValueError(f"{op_name}() argument '_headers': {name!r} is set by the SDK itself")
        elif key == "_progress_listener" and not callable(value):
            raise ApiTypeError(f"{op_name}() argument '_progress_listener': expected a function (done, total)")
        elif key == "cancel" and not callable(getattr(value, "is_set", None)):
            raise ApiTypeError(f"{op_name}() argument 'cancel': expected a threading.Event (anything with is_set())")
        elif key == "max_bandwidth" and not (
            isinstance(value, (int, float)) and not isinstance(value, bool) and 1024 <= value < float("inf")
        ):  # fmt: skip
            raise ApiValueError(
                f"{op_name}() argument 'max_bandwidth': expected bytes per second, at least 1024, got {value!r}"
            )
        elif key in _FLAGS and not isinstance(value, bool):
            raise ApiTypeError(f"{op_name}() argument '{key}': expected True or False, got {type(value).__name__}")


_FLAGS = frozenset({"verify", "resume", "async_req", "_preload_content", "_return_http_data_only",
                    "_check_input_type", "_check_return_type"})  # fmt: skip
_FRAMING = frozenset({"content-length", "transfer-encoding", "host", "connection", "content-type", "expect"})


def header_problem(name: Any, value: Any) -> Optional[str]:
    """Why a header cannot be sent (naming the header, never its value), or None."""
    if not isinstance(name, str) or not name or any(c in name for c in ":\r\n\0 \t") or not name.isascii():
        return f"header name {name!r} is not a valid HTTP header name"
    if not isinstance(value, str) or "\r" in value or "\n" in value or "\0" in value:
        return f"header {name!r}: the value must be a string without CR, LF or NUL"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return f"header {name!r}: the value has characters HTTP headers cannot carry (not latin-1)"
    return None


def check_header_value(name: str, value: str) -> str:
    """``value`` when it can be sent as a header value; the error names the header, never its value."""
    problem = header_problem(name, value)
    if problem:
        raise ApiValueError(problem)
    return value


def _is_timeout(value: Any) -> bool:
    def seconds(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x < float("inf")

    return seconds(value) or (isinstance(value, tuple) and len(value) == 2 and all(seconds(x) for x in value))
