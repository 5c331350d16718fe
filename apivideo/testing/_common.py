"""Shared helpers for the emulator: problem errors, ids, clocks, paging, validation."""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

DOCS = "https://docs.api.video/reference/"
UTC = timezone(timedelta(0))
_ALNUM = string.ascii_letters + string.digits

Query = list[tuple[str, str]]


class ApiError(Exception):
    """An error answered to the client as ``application/problem+json``."""

    def __init__(self, status: int, problem: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(problem.get("title", ""))
        self.status = status
        self.problem = problem
        self.headers = headers or {}


def problem(
    status: int, type_: str | None, title: str, name: str | None = None, detail: str | None = None, **extra: Any
) -> ApiError:
    """Build an :class:`ApiError` with the real API's problem-JSON key order."""
    body: dict[str, Any] = {}
    if type_:
        body["type"] = type_ if type_.startswith("http") else DOCS + type_
    body["title"] = title
    if name is not None:
        body["name"] = name
    body["status"] = status
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return ApiError(status, body)


def not_found(name: str, value: str | None = None) -> ApiError:
    detail = None if value is None else f'No resource found for "{name}" = "{value}".'
    return problem(404, "resource-not-found", "The requested resource was not found.", name, detail)


def invalid(name: str, detail: str, title: str = "An attribute is invalid.") -> ApiError:
    return problem(400, "invalid-attribute", title, name, detail)


def required(name: str) -> ApiError:
    p = {"type": DOCS + "attribute-required", "title": "This attribute is required.", "name": name}
    return problem(400, "attribute-required", "This attribute is required.", name, problems=[p])


def bad_query(name: str, title: str, **extra: Any) -> ApiError:
    item = {"title": title, "name": name}
    item.update(extra)
    return problem(400, "request-invalid-query-parameter", title, name, problems=[item], **extra)


def new_id(prefix: str, length: int = 22) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def now_iso(ts: float | None = None) -> str:
    dt = datetime.now(UTC) if ts is None else datetime.fromtimestamp(ts, UTC)
    return dt.replace(microsecond=0).isoformat()


def parse_iso(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))  # "Z" needs help on 3.9/3.10
    except (ValueError, AttributeError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def clean(d: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``d`` without private (``_``-prefixed) keys and ``None`` values."""
    return {k: v for k, v in d.items() if v is not None and not k.startswith("_")}


# --- query helpers ---------------------------------------------------------


def q_first(query: Query, name: str) -> str | None:
    for k, v in query:
        if k == name:
            return v
    return None


def q_all(query: Query, *names: str) -> list[str]:
    return [v for k, v in query if k in names]


def q_enum(query: Query, name: str, allowed: Sequence[str], default: str | None = None) -> str | None:
    value = q_first(query, name)
    if value is None:
        return default
    if value not in allowed:
        raise bad_query(name, "This parameter value is not allowed.", allowed=list(allowed))
    return value


def q_bool(query: Query, name: str) -> bool | None:
    value = q_first(query, name)
    if value is None:
        return None
    low = value.lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise bad_query(name, "This parameter must be a boolean.")


def _int_param(query: Query, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = q_first(query, name)
    if raw is None or raw == "":
        return default
    rng: dict[str, int] = {"min": lo}
    if hi is not None:
        rng["max"] = hi
    try:
        value = int(raw)
    except ValueError:
        raise bad_query(name, "This parameter must be an integer.", range=rng) from None
    if value < lo or (hi is not None and value > hi):
        raise bad_query(name, "This parameter is out of the allowed range of values.", range=rng)
    return value


def sort_items(
    items: list[Any],
    query: Query,
    keys: dict[str, Callable[[Any], Any]],
    default: str | None = None,
    default_order: str = "asc",
) -> list[Any]:
    """Validate ``sortBy``/``sortOrder`` and sort ``items`` stably."""
    sort_by = q_enum(query, "sortBy", list(keys), default)
    order = q_enum(query, "sortOrder", ["asc", "desc"], default_order)
    if sort_by is None:
        return list(reversed(items)) if order == "desc" else list(items)
    key = keys[sort_by]
    return sorted(items, key=key, reverse=(order == "desc"))


def paginate(
    items: Sequence[Any], query: Query, host: str, path: str, render: Callable[[Any], Any] = lambda x: x
) -> dict[str, Any]:
    """The shared paging helper: validates currentPage/pageSize, builds ``pagination``."""
    page_size = _int_param(query, "pageSize", 25, 1, 100)
    page = _int_param(query, "currentPage", 1, 1, None)
    total = len(items)
    pages = max(1, math.ceil(total / page_size))
    start = (page - 1) * page_size
    chunk = [render(x) for x in items[start : start + page_size]]
    base = [(k, v) for k, v in query if k not in ("currentPage", "pageSize")]

    def link(rel: str, n: int) -> dict[str, str]:
        qs = urlencode(base + [("currentPage", str(n)), ("pageSize", str(page_size))])
        return {"rel": rel, "uri": f"{host}{path}?{qs}"}

    links = [link("self", page), link("first", 1)]
    if page > 1:
        links.append(link("previous", min(page - 1, pages)))
    if page < pages:
        links.append(link("next", page + 1))
    links.append(link("last", pages))
    return {
        "data": chunk,
        "pagination": {
            "itemsTotal": total,
            "pagesTotal": pages,
            "pageSize": page_size,
            "currentPage": page,
            "currentPageItems": len(chunk),
            "links": links,
        },
    }


# --- body validation helpers -------------------------------------------------


def v_str(
    body: dict[str, Any], name: str, *, required_: bool = False, nullable: bool = True, non_empty: bool = False
) -> Any:
    if name not in body:
        if required_:
            raise required(name)
        return None
    value = body[name]
    if value is None:
        if required_ or not nullable:
            raise required(name) if required_ else invalid(name, "This value should not be null.")
        return None
    if not isinstance(value, str):
        raise invalid(name, "This value must be of type string.")
    if (non_empty or required_) and not value.strip():
        raise invalid(name, "This value should not be blank.")
    return value


def v_bool(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid(name, "This value must be of type boolean.")
    return value


def v_str_list(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise problem(
            400,
            "invalid-attribute",
            "This attribute must be an array.",
            name,
            problems=[{"type": DOCS + "invalid-attribute", "title": "This attribute must be an array.", "name": name}],
        )
    return list(value)


def v_metadata(body: dict[str, Any], name: str = "metadata") -> Any:
    value = body.get(name)
    if value is None:
        return None
    ok = isinstance(value, list) and all(
        isinstance(x, dict) and isinstance(x.get("key"), str) and isinstance(x.get("value", ""), str) for x in value
    )
    if not ok:
        raise problem(
            400,
            "invalid-attribute",
            "This attribute must be an array.",
            name,
            problems=[{"type": DOCS + "invalid-attribute", "title": "This attribute must be an array.", "name": name}],
        )
    return [{"key": x["key"], "value": x.get("value", "")} for x in value]


LANGUAGES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ml": "Malayalam",
    "ms": "Malay",
    "nl": "Dutch",
    "nn": "Norwegian Nynorsk",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "te": "Telugu",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

# Languages the spec accepts for a video's spoken language.
VIDEO_LANGUAGES = frozenset(
    [
        "ar",
        "ca",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "fa",
        "fi",
        "fr",
        "he",
        "hi",
        "hr",
        "hu",
        "it",
        "ja",
        "ko",
        "ml",
        "nl",
        "nn",
        "no",
        "pl",
        "pt",
        "ru",
        "sk",
        "sl",
        "te",
        "tr",
        "uk",
        "ur",
        "vi",
        "zh",
    ]
)


def check_language(value: str, name: str = "language") -> str:
    """Validate a caption/chapter language tag such as ``fr`` or ``fr-BE``; return its display name."""
    import re

    if not re.fullmatch(r"[A-Za-z]+(-[A-Za-z]+)*", value or ""):
        raise invalid(
            name, 'The "language" attribute must contain only letters and dashes (for example "fr", "fr-BE").'
        )
    base = value.split("-")[0].lower()
    if base not in LANGUAGES:
        raise invalid(name, 'The "language" attribute is not valid.')
    return LANGUAGES[base]


IMAGE_EXTS = ("jpg", "jpeg", "png")


def check_image(filename: str | None, exts: Iterable[str] = IMAGE_EXTS) -> None:
    exts = tuple(exts)
    ext = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if ext not in exts:
        listed = ", ".join(e for x in exts for e in (x, x.upper()))
        raise problem(400, "uploaded-file-extension-invalid", f"Only [{listed}] extensions are supported.", "file")
