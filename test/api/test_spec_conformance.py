"""Every request the SDK sends conforms to the OpenAPI spec, checked by an independent validator.

The operations are enumerated from the spec YAML (not from the SDK). For each of the 57 non-auth operations a
scenario calls the SDK method with realistic arguments (optional parameters set, so query encoding is exercised),
then the request the emulator received (method, path, query string, headers, body bytes, content type) is
validated with openapi-core against the spec, as if it had been sent to the production server
``https://ws.api.video``. Every operation must give zero violations.

Narrow adjustments, each explained where it is made:

- the spec's ``Content-Range`` pattern of ``POST /videos/{videoId}/source`` is a PCRE literal (``/.../`` with
  ``(?<name>...)`` groups) that Python's ``re`` rejects, so openapi-core refuses to load the spec: the pattern is
  translated to Python syntax;
- operations declare only the ``apiKey`` scheme (HTTP Basic), while ``/auth/api-key`` hands out Bearer tokens and the
  spec defines ``bearerAuth`` without using it: ``bearerAuth`` is added as an alternative, and Basic stays accepted;
- ``filterBy`` (deepObject with array properties, ``filterBy[browser][]=chrome`` as in the spec's own example) is
  beyond openapi-core's deepObject support (one level, no arrays), so its pairs are taken out of the query and
  checked here against the spec's ``filterBy`` schema with a JSON-schema validator.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote

import pytest

yaml = pytest.importorskip("yaml")
openapi_core = pytest.importorskip("openapi_core")

from openapi_core import OpenAPI  # noqa: E402
from openapi_core.datatypes import RequestParameters  # noqa: E402
from openapi_schema_validator import OAS30Validator  # noqa: E402
from werkzeug.datastructures import Headers, ImmutableMultiDict  # noqa: E402

from apivideo.model.captions_update_payload import CaptionsUpdatePayload  # noqa: E402
from apivideo.model.discarded_video_update_payload import DiscardedVideoUpdatePayload  # noqa: E402
from apivideo.model.filter_by2 import FilterBy2  # noqa: E402
from apivideo.model.live_stream_creation_payload import LiveStreamCreationPayload  # noqa: E402
from apivideo.model.live_stream_update_payload import LiveStreamUpdatePayload  # noqa: E402
from apivideo.model.metadata import Metadata  # noqa: E402
from apivideo.model.player_theme_creation_payload import PlayerThemeCreationPayload  # noqa: E402
from apivideo.model.player_theme_update_payload import PlayerThemeUpdatePayload  # noqa: E402
from apivideo.model.restreams_request_object import RestreamsRequestObject  # noqa: E402
from apivideo.model.summary_creation_payload import SummaryCreationPayload  # noqa: E402
from apivideo.model.summary_update_payload import SummaryUpdatePayload  # noqa: E402
from apivideo.model.token_creation_payload import TokenCreationPayload  # noqa: E402
from apivideo.model.video_clip import VideoClip  # noqa: E402
from apivideo.model.video_creation_payload import VideoCreationPayload  # noqa: E402
from apivideo.model.video_thumbnail_pick_payload import VideoThumbnailPickPayload  # noqa: E402
from apivideo.model.video_update_payload import VideoUpdatePayload  # noqa: E402
from apivideo.model.webhooks_creation_payload import WebhooksCreationPayload  # noqa: E402

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "oas_apivideo.yaml"
SERVER = "https://ws.api.video"
METHODS = ("get", "post", "put", "patch", "delete")

if not SPEC_PATH.is_file():  # pragma: no cover - spec/ ships with the tests
    pytest.skip(f"spec not found at {SPEC_PATH}", allow_module_level=True)


def _load_spec() -> Dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SPEC_PATH, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # type: ignore[no-any-return]


RAW_SPEC = _load_spec()
SPEC_OPS: List[Tuple[str, str]] = [
    (method.upper(), path)
    for path, item in RAW_SPEC["paths"].items()
    for method, op in item.items()
    if method in METHODS and "Advanced authentication" not in op.get("tags", [])
]
AUTH_OPS: List[Tuple[str, str]] = [
    (method.upper(), path)
    for path, item in RAW_SPEC["paths"].items()
    for method, op in item.items()
    if method in METHODS and "Advanced authentication" in op.get("tags", [])
]
ALL_OPS = SPEC_OPS + AUTH_OPS


def _resolve(obj: Dict[str, Any]) -> Dict[str, Any]:
    while "$ref" in obj:
        kind, name = obj["$ref"].split("/")[-2:]
        obj = RAW_SPEC["components"][kind][name]
    return obj


def _spec_op(method: str, path: str) -> Dict[str, Any]:
    return RAW_SPEC["paths"][path][method.lower()]  # type: ignore[no-any-return]


def _validator_spec() -> Dict[str, Any]:
    spec = copy.deepcopy(RAW_SPEC)
    for item in spec["paths"].values():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for param in op.get("parameters", []):
                pattern = param.get("schema", {}).get("pattern", "")
                if pattern.startswith("/") and pattern.endswith("/") and "(?<" in pattern:
                    # PCRE literal '/.../' with (?<name>) groups: same regex in Python syntax, no delimiters.
                    param["schema"]["pattern"] = pattern[1:-1].replace("(?<", "(?P<")
            if op.get("security") == [{"apiKey": []}]:
                # the Bearer token of /auth/api-key is accepted by the API; the spec defines bearerAuth but
                # forgets to list it. Basic (apiKey) stays accepted.
                op["security"] = [{"apiKey": []}, {"bearerAuth": []}]
    return spec


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(_validator_spec())


# --------------------------------------------------------------------------- the openapi-core request adapter


class RecordedOpenAPIRequest:
    """openapi-core's ``Request`` protocol over a request the emulator recorded."""

    def __init__(self, rec: Any, query: List[Tuple[str, str]]) -> None:
        self.host_url = SERVER  # validated as if sent to production; it really went to 127.0.0.1
        self.path = rec.path
        self.method = rec.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(list(rec.headers.items())),
        )
        self.body: Optional[bytes] = rec.body or None
        self.content_type = rec.headers.get("Content-Type", "") or ""


def _query_pairs(raw_path: str) -> List[Tuple[str, str]]:
    _, _, query = raw_path.partition("?")
    return parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))


def _filter_by_problems(method: str, path: str, pairs: List[Tuple[str, str]]) -> List[str]:
    """Check the ``filterBy[...]`` pairs against the spec's filterBy schema (see the module docstring)."""
    if not pairs:
        return []
    params = [_resolve(p) for p in _spec_op(method, path).get("parameters", [])]
    (param,) = [p for p in params if p["name"] == "filterBy"]
    assert (param["style"], param["explode"]) == ("deepObject", True)
    schema = param["schema"]
    props = schema["properties"]
    value: Dict[str, Any] = {}
    problems = []
    for key, item in pairs:
        m = re.fullmatch(r"filterBy\[(\w+)\](\[\])?", key)
        if not m:
            problems.append(f"filterBy: malformed key {key!r}")
            continue
        name, is_list = m.group(1), bool(m.group(2))
        if name not in props:
            problems.append(f"filterBy: {name!r} is not a property of the spec's filterBy")
            continue
        if is_list != (props[name]["type"] == "array"):
            problems.append(f"filterBy: {key!r} does not match the {props[name]['type']} type of {name!r}")
            continue
        if is_list:
            value.setdefault(name, []).append(item)
        elif name in value:
            problems.append(f"filterBy: {name!r} given twice")
        else:
            value[name] = item
    validator = OAS30Validator(schema)
    problems += [f"filterBy: {err.message}" for err in validator.iter_errors(value)]
    return problems


def _violations(openapi: OpenAPI, rec: Any) -> List[str]:
    method = rec.method
    path = _match_template(rec)[0]
    query = _query_pairs(rec.raw_path)
    filter_by = [(k, v) for k, v in query if k.startswith("filterBy[")]
    query = [(k, v) for k, v in query if not k.startswith("filterBy[")]
    found = []
    # openapi-core >= 0.23 has iter_request_errors; 0.22 (the last for Python 3.9) has it on the validator
    iter_errors = getattr(openapi, "iter_request_errors", None) or openapi.request_validator.iter_errors
    for err in iter_errors(RecordedOpenAPIRequest(rec, query)):
        cause = err.__cause__
        found.append(f"{type(err).__name__}: {err} ({cause!r})")
    return found + _filter_by_problems(method, path, filter_by)


def _template_regex(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(pieces)))


def _match_template(rec: Any) -> Tuple[str, Dict[str, str]]:
    """The one spec path template (for the request's method) that the request path matches, and its values."""
    matches = []
    for method, template in ALL_OPS:
        m = _template_regex(template).fullmatch(rec.path)
        if method == rec.method and m:
            matches.append((template, {k: unquote(v) for k, v in m.groupdict().items()}))
    assert len(matches) == 1, f"{rec.method} {rec.path}: matches {matches}"
    return matches[0]


# --------------------------------------------------------------------------- scenarios, one per spec operation


class Ctx:
    """What a scenario gets: the Api objects, the emulator, the upload files, and ``start()``.

    A scenario sets up what it needs, calls ``start()`` (which empties the request log), makes exactly one SDK call
    and returns the path parameters it expects on the wire.
    """

    def __init__(self, apis: SimpleNamespace, emu: Any, files: SimpleNamespace) -> None:
        self.apis, self.emu, self.files = apis, emu, files

    def start(self) -> None:
        self.emu.clear_requests()

    def video(self, **fields: Any) -> Any:
        fields.setdefault("title", "Maths video")
        return self.apis.videos.create(VideoCreationPayload(**fields))

    def live_stream(self) -> Any:
        return self.apis.live_streams.create(LiveStreamCreationPayload(name="My live"))

    def player(self) -> Any:
        return self.apis.player_themes.create(PlayerThemeCreationPayload(name="Theme"))


Scenario = Callable[[Ctx], Dict[str, str]]
SCENARIOS: Dict[Tuple[str, str], Scenario] = {}


def scenario(method: str, path: str) -> Callable[[Scenario], Scenario]:
    def deco(fn: Scenario) -> Scenario:
        assert (method, path) not in SCENARIOS, (method, path)
        SCENARIOS[(method, path)] = fn
        return fn

    return deco


NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)  # analytics cover the last 30 days
FILTER = FilterBy2(
    media_id=["vi4blUQJFrYWbaG44NChkH27"],
    media_type="video",
    continent=["EU", "NA"],
    country=["FR"],
    device_type=["computer", "phone"],
    operating_system=["windows"],
    browser=["firefox", "chrome"],
    tag="Cool videos",
    referrer=["https://example.com/page"],
)
PAGING = {"current_page": 1, "page_size": 10}


# videos


@scenario("GET", "/videos")
def _list_videos(c: Ctx) -> Dict[str, str]:
    c.video(tags=["maths", "string theory"], metadata=[Metadata(key="Author", value="John Doe")])
    c.start()
    c.apis.videos.list(
        title="Maths", tags=["maths", "string theory"], metadata={"Author": "John Doe", "Format": "Tutorial"},
        description="theory", live_stream_id="li400mYKSgQ6xs7taUeSaEKr", sort_by="publishedAt", sort_order="desc",
        **PAGING,
    )  # fmt: skip
    return {}


@scenario("POST", "/videos")
def _create_video(c: Ctx) -> Dict[str, str]:
    player = c.player()
    c.start()
    c.apis.videos.create(
        VideoCreationPayload(
            title="Maths video", description="String theory", public=False, panoramic=False, mp4_support=True,
            player_id=player.player_id, tags=["maths"], metadata=[Metadata(key="Author", value="John Doe")],
            clip=VideoClip(start_timecode="00:00:01", end_timecode="00:00:05"), language="en", transcript=True,
            transcript_summary=True, transcript_summary_attributes=["abstract", "takeaways"],
        )
    )  # fmt: skip
    return {}


@scenario("GET", "/videos/{videoId}")
def _get_video(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.videos.get(v.video_id)
    return {"videoId": v.video_id}


@scenario("PATCH", "/videos/{videoId}")
def _update_video(c: Ctx) -> Dict[str, str]:
    v = c.video()
    player = c.player()
    c.start()
    c.apis.videos.update(
        v.video_id,
        VideoUpdatePayload(
            player_id=player.player_id, title="New title", description="New description", public=True,
            panoramic=True, mp4_support=False, tags=["a", "b"], metadata=[Metadata(key="k", value="v")],
            language="fr", transcript=True, transcript_summary=True, transcript_summary_attributes=["abstract"],
        ),
    )  # fmt: skip
    return {"videoId": v.video_id}


@scenario("DELETE", "/videos/{videoId}")
def _delete_video(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.videos.delete(v.video_id)
    return {"videoId": v.video_id}


@scenario("POST", "/videos/{videoId}/source")
def _upload_source(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.videos.upload(v.video_id, str(c.files.mp4))
    return {"videoId": v.video_id}


@scenario("POST", "/videos/{videoId}/thumbnail")
def _upload_thumbnail(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    with open(c.files.jpg, "rb") as fh:
        c.apis.videos.upload_thumbnail(v.video_id, fh)
    return {"videoId": v.video_id}


@scenario("PATCH", "/videos/{videoId}/thumbnail")
def _pick_thumbnail(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.videos.pick_thumbnail(v.video_id, VideoThumbnailPickPayload(timecode="00:00:02.50"))
    return {"videoId": v.video_id}


@scenario("GET", "/videos/{videoId}/status")
def _video_status(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.videos.get_status(v.video_id)
    return {"videoId": v.video_id}


@scenario("GET", "/discarded/videos")
def _list_discarded(c: Ctx) -> Dict[str, str]:
    v = c.video(tags=["maths"])
    c.apis.videos.delete(v.video_id)
    c.start()
    c.apis.videos.list_discarded(
        title="Maths", tags=["maths"], metadata={"Author": "John Doe"}, description="theory",
        live_stream_id="li400mYKSgQ6xs7taUeSaEKr", sort_by="title", sort_order="asc", **PAGING,
    )  # fmt: skip
    return {}


@scenario("GET", "/discarded/videos/{videoId}")
def _get_discarded(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.apis.videos.delete(v.video_id)
    c.start()
    c.apis.videos.get_discarded(v.video_id)
    return {"videoId": v.video_id}


@scenario("PATCH", "/discarded/videos/{videoId}")
def _update_discarded(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.apis.videos.delete(v.video_id)
    c.start()
    c.apis.videos.update_discarded(v.video_id, DiscardedVideoUpdatePayload(discarded=False))
    return {"videoId": v.video_id}


@scenario("POST", "/upload")
def _upload_with_token(c: Ctx) -> Dict[str, str]:
    token = c.apis.upload_tokens.create_token(TokenCreationPayload(ttl=600))
    v = c.video()
    c.start()
    c.apis.videos.upload_with_upload_token(token.token, str(c.files.mp4), video_id=v.video_id)
    return {}


# upload tokens


@scenario("GET", "/upload-tokens")
def _list_tokens(c: Ctx) -> Dict[str, str]:
    c.apis.upload_tokens.create_token(TokenCreationPayload(ttl=60))
    c.start()
    c.apis.upload_tokens.list(sort_by="ttl", sort_order="desc", **PAGING)
    return {}


@scenario("POST", "/upload-tokens")
def _create_token(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.upload_tokens.create_token(TokenCreationPayload(ttl=3600))
    return {}


@scenario("GET", "/upload-tokens/{uploadToken}")
def _get_token(c: Ctx) -> Dict[str, str]:
    t = c.apis.upload_tokens.create_token(TokenCreationPayload(ttl=60))
    c.start()
    c.apis.upload_tokens.get_token(t.token)
    return {"uploadToken": t.token}


@scenario("DELETE", "/upload-tokens/{uploadToken}")
def _delete_token(c: Ctx) -> Dict[str, str]:
    t = c.apis.upload_tokens.create_token(TokenCreationPayload())
    c.start()
    c.apis.upload_tokens.delete_token(t.token)
    return {"uploadToken": t.token}


# tags, summaries, watermarks


@scenario("GET", "/tags")
def _list_tags(c: Ctx) -> Dict[str, str]:
    c.video(tags=["maths"])
    c.start()
    c.apis.tags.list(value="mat", sort_by="videoCount", sort_order="desc", **PAGING)
    return {}


@scenario("POST", "/summaries")
def _create_summary(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    c.apis.summaries.create(SummaryCreationPayload(video_id=v.video_id, origin="auto", attributes=["abstract"]))
    return {}


@scenario("GET", "/summaries")
def _list_summaries(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.apis.summaries.create(SummaryCreationPayload(video_id=v.video_id, origin="auto"))
    c.start()
    c.apis.summaries.list(
        video_id=v.video_id, origin="auto", source_status="completed", sort_by="createdAt", sort_order="asc", **PAGING
    )
    return {}


def _summary(c: Ctx) -> Any:
    return c.apis.summaries.create(SummaryCreationPayload(video_id=c.video().video_id, origin="auto"))


@scenario("DELETE", "/summaries/{summaryId}")
def _delete_summary(c: Ctx) -> Dict[str, str]:
    s = _summary(c)
    c.start()
    c.apis.summaries.delete(s.summary_id)
    return {"summaryId": s.summary_id}


@scenario("GET", "/summaries/{summaryId}/source")
def _get_summary_source(c: Ctx) -> Dict[str, str]:
    s = _summary(c)
    c.start()
    c.apis.summaries.get_summary_source(s.summary_id)
    return {"summaryId": s.summary_id}


@scenario("PATCH", "/summaries/{summaryId}/source")
def _update_summary_source(c: Ctx) -> Dict[str, str]:
    s = _summary(c)
    c.start()
    c.apis.summaries.update(s.summary_id, SummaryUpdatePayload(abstract="Short.", takeaways=["One", "Two"]))
    return {"summaryId": s.summary_id}


@scenario("POST", "/watermarks")
def _upload_watermark(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.watermarks.upload(str(c.files.watermark))
    return {}


@scenario("GET", "/watermarks")
def _list_watermarks(c: Ctx) -> Dict[str, str]:
    c.apis.watermarks.upload(str(c.files.watermark))
    c.start()
    c.apis.watermarks.list(sort_by="createdAt", sort_order="asc", **PAGING)
    return {}


@scenario("DELETE", "/watermarks/{watermarkId}")
def _delete_watermark(c: Ctx) -> Dict[str, str]:
    w = c.apis.watermarks.upload(str(c.files.watermark))
    c.start()
    c.apis.watermarks.delete(w.watermark_id)
    return {"watermarkId": w.watermark_id}


# live streams


@scenario("GET", "/live-streams")
def _list_live(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.start()
    c.apis.live_streams.list(stream_key=ls.stream_key, name="My", sort_by="name", sort_order="desc", **PAGING)
    return {}


@scenario("POST", "/live-streams")
def _create_live(c: Ctx) -> Dict[str, str]:
    player = c.player()
    c.start()
    restream = RestreamsRequestObject(name="YouTube", server_url="rtmp://a.rtmp.youtube.com/live2", stream_key="k-1")
    c.apis.live_streams.create(
        LiveStreamCreationPayload(name="My live", public=False, player_id=player.player_id, restreams=[restream])
    )
    return {}


@scenario("GET", "/live-streams/{liveStreamId}")
def _get_live(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.start()
    c.apis.live_streams.get(ls.live_stream_id)
    return {"liveStreamId": ls.live_stream_id}


@scenario("PATCH", "/live-streams/{liveStreamId}")
def _update_live(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    player = c.player()
    c.start()
    restream = RestreamsRequestObject(name="Twitch", server_url="rtmp://live.twitch.tv/app", stream_key="k-2")
    c.apis.live_streams.update(
        ls.live_stream_id,
        LiveStreamUpdatePayload(name="Renamed", public=True, player_id=player.player_id, restreams=[restream]),
    )
    return {"liveStreamId": ls.live_stream_id}


@scenario("DELETE", "/live-streams/{liveStreamId}")
def _delete_live(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.start()
    c.apis.live_streams.delete(ls.live_stream_id)
    return {"liveStreamId": ls.live_stream_id}


@scenario("POST", "/live-streams/{liveStreamId}/thumbnail")
def _upload_live_thumbnail(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.start()
    c.apis.live_streams.upload_thumbnail(ls.live_stream_id, str(c.files.jpg))
    return {"liveStreamId": ls.live_stream_id}


@scenario("DELETE", "/live-streams/{liveStreamId}/thumbnail")
def _delete_live_thumbnail(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.apis.live_streams.upload_thumbnail(ls.live_stream_id, str(c.files.jpg))
    c.start()
    c.apis.live_streams.delete_thumbnail(ls.live_stream_id)
    return {"liveStreamId": ls.live_stream_id}


@scenario("PUT", "/live-streams/{liveStreamId}/complete")
def _complete_live(c: Ctx) -> Dict[str, str]:
    ls = c.live_stream()
    c.start()
    c.apis.live_streams.complete(ls.live_stream_id)
    return {"liveStreamId": ls.live_stream_id}


# captions and chapters


def _with_caption(c: Ctx) -> str:
    v = c.video()
    c.apis.captions.upload(v.video_id, "en", str(c.files.caption))
    return v.video_id  # type: ignore[no-any-return]


@scenario("GET", "/videos/{videoId}/captions/{language}")
def _get_caption(c: Ctx) -> Dict[str, str]:
    vid = _with_caption(c)
    c.start()
    c.apis.captions.get(vid, "en")
    return {"videoId": vid, "language": "en"}


@scenario("POST", "/videos/{videoId}/captions/{language}")
def _upload_caption(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    with open(c.files.caption, "rb") as fh:
        c.apis.captions.upload(v.video_id, "fr-BE", fh)
    return {"videoId": v.video_id, "language": "fr-BE"}


@scenario("PATCH", "/videos/{videoId}/captions/{language}")
def _update_caption(c: Ctx) -> Dict[str, str]:
    vid = _with_caption(c)
    c.start()
    c.apis.captions.update(vid, "en", CaptionsUpdatePayload(default=True))
    return {"videoId": vid, "language": "en"}


@scenario("DELETE", "/videos/{videoId}/captions/{language}")
def _delete_caption(c: Ctx) -> Dict[str, str]:
    vid = _with_caption(c)
    c.start()
    c.apis.captions.delete(vid, "en")
    return {"videoId": vid, "language": "en"}


@scenario("GET", "/videos/{videoId}/captions")
def _list_captions(c: Ctx) -> Dict[str, str]:
    vid = _with_caption(c)
    c.start()
    c.apis.captions.list(vid, **PAGING)
    return {"videoId": vid}


def _with_chapter(c: Ctx) -> str:
    v = c.video()
    c.apis.chapters.upload(v.video_id, "en", str(c.files.chapter))
    return v.video_id  # type: ignore[no-any-return]


@scenario("GET", "/videos/{videoId}/chapters/{language}")
def _get_chapter(c: Ctx) -> Dict[str, str]:
    vid = _with_chapter(c)
    c.start()
    c.apis.chapters.get(vid, "en")
    return {"videoId": vid, "language": "en"}


@scenario("POST", "/videos/{videoId}/chapters/{language}")
def _upload_chapter(c: Ctx) -> Dict[str, str]:
    v = c.video()
    c.start()
    with open(c.files.chapter, "rb") as fh:
        c.apis.chapters.upload(v.video_id, "de", fh)
    return {"videoId": v.video_id, "language": "de"}


@scenario("DELETE", "/videos/{videoId}/chapters/{language}")
def _delete_chapter(c: Ctx) -> Dict[str, str]:
    vid = _with_chapter(c)
    c.start()
    c.apis.chapters.delete(vid, "en")
    return {"videoId": vid, "language": "en"}


@scenario("GET", "/videos/{videoId}/chapters")
def _list_chapters(c: Ctx) -> Dict[str, str]:
    vid = _with_chapter(c)
    c.start()
    c.apis.chapters.list(vid, **PAGING)
    return {"videoId": vid}


# player themes

_COLORS = {
    "text": "rgba(255, 255, 255, 1)", "link": "rgba(255, 0, 0, 1)", "link_hover": "rgba(0, 255, 0, 1)",
    "link_active": "rgba(0, 0, 255, 1)", "track_played": "rgba(1, 1, 1, 1)", "track_unplayed": "rgba(2, 2, 2, 1)",
    "track_background": "rgba(0, 0, 0, 0)", "background_top": "rgba(72, 4, 45, 1)",
    "background_bottom": "rgba(94, 95, 89, 1)", "background_text": "rgba(255, 255, 255, 1)",
}  # fmt: skip
_FLAGS = {"enable_api": True, "enable_controls": True, "force_autoplay": False, "hide_title": False, "force_loop": True}


@scenario("GET", "/players")
def _list_players(c: Ctx) -> Dict[str, str]:
    c.player()
    c.start()
    c.apis.player_themes.list(sort_by="createdAt", sort_order="desc", **PAGING)
    return {}


@scenario("POST", "/players")
def _create_player(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.player_themes.create(PlayerThemeCreationPayload(name="Theme", **_COLORS, **_FLAGS))
    return {}


@scenario("GET", "/players/{playerId}")
def _get_player(c: Ctx) -> Dict[str, str]:
    p = c.player()
    c.start()
    c.apis.player_themes.get(p.player_id)
    return {"playerId": p.player_id}


@scenario("PATCH", "/players/{playerId}")
def _update_player(c: Ctx) -> Dict[str, str]:
    p = c.player()
    c.start()
    c.apis.player_themes.update(p.player_id, PlayerThemeUpdatePayload(name="Renamed", **_COLORS, **_FLAGS))
    return {"playerId": p.player_id}


@scenario("DELETE", "/players/{playerId}")
def _delete_player(c: Ctx) -> Dict[str, str]:
    p = c.player()
    c.start()
    c.apis.player_themes.delete(p.player_id)
    return {"playerId": p.player_id}


@scenario("POST", "/players/{playerId}/logo")
def _upload_logo(c: Ctx) -> Dict[str, str]:
    p = c.player()
    c.start()
    c.apis.player_themes.upload_logo(p.player_id, str(c.files.png), link="https://example.com")
    return {"playerId": p.player_id}


@scenario("DELETE", "/players/{playerId}/logo")
def _delete_logo(c: Ctx) -> Dict[str, str]:
    p = c.player()
    c.apis.player_themes.upload_logo(p.player_id, str(c.files.png))
    c.start()
    c.apis.player_themes.delete_logo(p.player_id)
    return {"playerId": p.player_id}


# analytics


# ``unique`` and ``viewDuration`` are accepted with the ``view`` metric only (``unique`` with ccv too), and
# filters other than mediaId/mediaType are refused with play totals: ``view`` exercises every query parameter.


@scenario("GET", "/data/metrics/{metric}/{aggregation}")
def _aggregated(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.analytics.get_aggregated_metrics(
        "view", "count", _from=NOW - timedelta(days=7), to=NOW, unique=True, view_duration="5s", filter_by=FILTER
    )
    return {"metric": "view", "aggregation": "count"}


@scenario("GET", "/data/buckets/{metric}/{breakdown}")
def _breakdown(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.analytics.get_metrics_breakdown(
        "view", "country", _from=NOW - timedelta(days=7), to=NOW, sort_by="metricValue", sort_order="desc",
        unique=False, view_duration="30s", filter_by=FILTER, **PAGING,
    )  # fmt: skip
    return {"metric": "view", "breakdown": "country"}


@scenario("GET", "/data/timeseries/{metric}")
def _over_time(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.analytics.get_metrics_over_time(
        "view", _from=NOW - timedelta(hours=3), to=NOW, interval="hour", sort_by="emittedAt", sort_order="asc",
        unique=True, view_duration="10s", filter_by=FILTER, **PAGING,
    )  # fmt: skip
    return {"metric": "view"}


# webhooks


@scenario("GET", "/webhooks")
def _list_webhooks(c: Ctx) -> Dict[str, str]:
    c.apis.webhooks.create(WebhooksCreationPayload(events=["video.encoding.quality.completed"], url="https://x.io/h"))
    c.start()
    c.apis.webhooks.list(events="video.encoding.quality.completed", **PAGING)
    return {}


@scenario("POST", "/webhooks")
def _create_webhook(c: Ctx) -> Dict[str, str]:
    c.start()
    c.apis.webhooks.create(
        WebhooksCreationPayload(
            events=["video.encoding.quality.completed", "live-stream.broadcast.started"], url="https://example.com/hook"
        )
    )
    return {}


@scenario("GET", "/webhooks/{webhookId}")
def _get_webhook(c: Ctx) -> Dict[str, str]:
    w = c.apis.webhooks.create(WebhooksCreationPayload(events=["video.source.recorded"], url="https://x.io/h"))
    c.start()
    c.apis.webhooks.get(w.webhook_id)
    return {"webhookId": w.webhook_id}


@scenario("DELETE", "/webhooks/{webhookId}")
def _delete_webhook(c: Ctx) -> Dict[str, str]:
    w = c.apis.webhooks.create(WebhooksCreationPayload(events=["video.source.recorded"], url="https://x.io/h"))
    c.start()
    c.apis.webhooks.delete(w.webhook_id)
    return {"webhookId": w.webhook_id}


# --------------------------------------------------------------------------- the tests


def test_every_spec_operation_has_one_scenario() -> None:
    assert len(SPEC_OPS) == 57
    assert sorted(SCENARIOS) == sorted(SPEC_OPS)


@pytest.mark.parametrize(("method", "path"), SPEC_OPS, ids=[f"{m} {p}" for m, p in SPEC_OPS])
def test_request_conforms_to_spec(
    method: str, path: str, openapi: OpenAPI, apis: SimpleNamespace, emu: Any, files: SimpleNamespace
) -> None:
    expected_params = SCENARIOS[(method, path)](Ctx(apis, emu, files))
    sent = [r for r in emu.requests if not r.path.startswith("/auth/")]
    assert len(sent) == 1, [(r.method, r.raw_path) for r in sent]
    (rec,) = sent
    assert rec.status is not None and rec.status < 400, (rec.status, rec.raw_path)

    # the method and the path template are the spec's, with the path parameters the scenario used
    assert rec.method == method
    template, values = _match_template(rec)
    assert template == path
    assert values == expected_params

    # authentication: exactly what the spec asks for
    security = _spec_op(method, path).get("security")
    if security == []:
        assert "Authorization" not in rec.headers
    elif security:
        assert rec.headers["Authorization"].startswith("Bearer ")

    # a JSON body is declared by the spec, and a multipart body is too
    content = _spec_op(method, path).get("requestBody", {}).get("content", {})
    ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip()
    if content:
        assert ctype in content
        if ctype == "application/json":
            json.loads(rec.body)
    else:
        assert rec.body == b""

    assert _violations(openapi, rec) == []


def test_basic_auth_requests_conform(emu: Any, openapi: OpenAPI) -> None:
    """``Configuration(username=API_KEY)`` sends HTTP Basic: the spec's own ``apiKey`` scheme, kept accepted."""
    import apivideo
    from apivideo.api.videos_api import VideosApi
    from apivideo.configuration import Configuration

    with apivideo.ApiClient(Configuration(host=emu.host, username=emu.api_key)) as basic:
        VideosApi(basic).list(tags=["x"], page_size=5)
    (rec,) = emu.requests
    assert rec.headers["Authorization"].startswith("Basic ")
    assert _violations(openapi, rec) == []


def test_validator_catches_violations(
    emu: Any, openapi: OpenAPI, apis: SimpleNamespace, files: SimpleNamespace
) -> None:
    """The validator is not blind: a malformed query, a bad body and a bad filterBy are all reported."""
    apis.videos.list(page_size=5)
    (rec,) = [r for r in emu.requests if r.path == "/videos"]
    rec.raw_path = "/videos?sortBy=nonsense&pageSize=x"
    assert len(_violations(openapi, rec)) == 2

    apis.videos.create(VideoCreationPayload(title="t"))
    (rec,) = [r for r in emu.requests if r.method == "POST" and r.path == "/videos"]
    rec.body = b'{"title": "t", "public": "yes"}'
    assert any("boolean" in v for v in _violations(openapi, rec))

    apis.watermarks.upload(files.watermark)
    (rec,) = [r for r in emu.requests if r.path == "/watermarks"]
    rec.body = rec.body.replace(b'name="file"', b'name="image"')
    assert any("'file' is a required property" in v for v in _violations(openapi, rec))

    path = "/data/metrics/{metric}/{aggregation}"
    assert _filter_by_problems("GET", path, [("filterBy[continent][]", "EU")]) == []
    assert _filter_by_problems("GET", path, [("filterBy[continent][]", "XX")])
    assert _filter_by_problems("GET", path, [("filterBy[continent]", "EU")])
    assert _filter_by_problems("GET", path, [("filterBy[mediaType][]", "video")])
    assert _filter_by_problems("GET", path, [("filterBy[nope]", "1")])


def test_request_log_is_complete_when_the_response_arrives(emu: Any, apis: SimpleNamespace) -> None:
    """A client that reads ``emu.requests`` as soon as its call returns sees the entry complete.

    Regression test: ``_Handler._dispatch`` used to set ``rec.body``/``rec.status`` only after the answer was sent,
    so about 1 call in 5 to 300 saw ``status=None, body=b""``. A race, hence the many calls.
    """
    incomplete = []
    for i in range(400):
        emu.clear_requests()
        apis.videos.create(VideoCreationPayload(title=f"video {i}"))
        (rec,) = [r for r in emu.requests if r.path == "/videos"]
        if rec.status is None or not rec.body:
            incomplete.append((i, rec.status, rec.body))
    assert incomplete == []


def test_naive_datetime_query_conforms(emu: Any, openapi: OpenAPI, apis: SimpleNamespace) -> None:
    """A naive ``datetime`` for ``from``/``to`` must still go out as an RFC 3339 date-time (with an offset).

    The SDK reads offset-less timestamps as UTC (``parse_datetime``); it should write them the same way rather than
    send ``from=2024-05-01T00:00:00``, which the spec's ``format: date-time`` refuses.
    """
    naive = NOW.replace(tzinfo=None) - timedelta(days=1)
    apis.analytics.get_metrics_over_time("play", _from=naive, to=naive + timedelta(hours=3))
    (rec,) = [r for r in emu.requests if r.path.startswith("/data/")]
    assert _violations(openapi, rec) == []


@pytest.mark.parametrize("with_token", [False, True])
def test_chunked_upload_content_range_conforms(
    emu: Any, apis: SimpleNamespace, tmp_path: Path, with_token: bool
) -> None:
    """Chunks of a file larger than ``chunk_size`` (5 MiB in tests) carry the spec's ``Content-Range`` form.

    Only the header is checked here: the emulator keeps the first 64 KiB of large bodies in its log.
    """
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 + 100))
    video = apis.videos.create(VideoCreationPayload(title="big"))
    if with_token:
        token = apis.upload_tokens.create_token(TokenCreationPayload()).token
        apis.videos.upload_with_upload_token(token, big, video_id=video.video_id)
        path = "/upload"
    else:
        apis.videos.upload(video.video_id, big)
        path = "/videos/{videoId}/source"
    chunks = [r for r in emu.requests if r.method == "POST" and r.path.endswith(("/source", "/upload"))]
    ranges = [r.headers["Content-Range"] for r in chunks]
    assert ranges == ["bytes 0-5242879/5242980", "bytes 5242880-5242979/5242980"]
    (param,) = [p for p in map(_resolve, _spec_op("POST", path)["parameters"]) if p["name"] == "Content-Range"]
    pattern = param["schema"]["pattern"]
    if pattern.startswith("/"):  # the PCRE literal, as translated for openapi-core (see the module docstring)
        pattern = pattern[1:-1].replace("(?<", "(?P<")
    assert all(re.search(pattern, value) for value in ranges)


# =========================================================================== the emulator's answers
#
# Every answer the emulator gives while the scenarios run (the scenario's own call, the calls that set it up and
# the token exchange) is validated with openapi-core against the spec's response for its operation and status:
# status documented, headers (the X-RateLimit-* ones are integers), content type and body schema. Two narrow
# adjustments, both about the spec rather than the answers:
#
# - error answers are sent as ``application/problem+json`` (RFC 7807 problem documents, as api.video sends them)
#   while the spec declares their schema under ``application/json``: they are validated against that schema;
# - the spec's request enums for analytics accept values its response enums lack (the ``peak`` and ``live``
#   aggregations, the ``referrer`` breakdown, the ``play-total`` metric): the emulator echoes what was asked, and
#   ``test_analytics_answers_conform`` accepts exactly those enum mismatches (see ``SPEC_ENUM_GAPS``).


class RecordedOpenAPIResponse:
    """openapi-core's ``Response`` protocol over the answer the emulator recorded for a request."""

    def __init__(self, rec: Any) -> None:
        self.status_code = rec.status
        self.headers = Headers(list(rec.response_headers.items()))
        ctype = (rec.response_headers.get("Content-Type") or "").lower()
        if ctype.startswith("application/problem+json"):  # see the comment above
            ctype = "application/json"
        self.content_type = self.mimetype = ctype
        self.data: Optional[bytes] = rec.response_body or None


def _response_violations(openapi: OpenAPI, rec: Any) -> List[str]:
    query = [(k, v) for k, v in _query_pairs(rec.raw_path) if not k.startswith("filterBy[")]
    iter_errors = getattr(openapi, "iter_response_errors", None) or openapi.response_validator.iter_errors
    found = []
    for err in iter_errors(RecordedOpenAPIRequest(rec, query), RecordedOpenAPIResponse(rec)):
        where = f"{rec.method} {rec.path} {rec.status}: {type(err).__name__}"
        schema_errors = getattr(err.__cause__, "schema_errors", None)
        if schema_errors:  # one entry per schema error, so that each can be told apart
            found += [f"{where}: {e.message} at {list(e.absolute_path)}" for e in schema_errors]
        else:
            found.append(f"{where}: {err} ({err.__cause__!r})")
    return found


def _raw(emu: Any, method: str, path: str, headers: Optional[Dict[str, str]] = None, **kw: Any) -> Any:
    """One request with urllib3 (1.26 or 2); ``payload=`` is sent as JSON."""
    import urllib3

    headers = dict(headers or {})
    if "payload" in kw:
        kw["body"] = json.dumps(kw.pop("payload")).encode()
        headers["Content-Type"] = "application/json"
    with urllib3.PoolManager(retries=False) as http:
        return http.request(method, emu.host + path, headers=headers, **kw)


def _bearer(emu: Any) -> Dict[str, str]:
    r = _raw(emu, "POST", "/auth/api-key", payload={"apiKey": emu.api_key})
    return {"Authorization": "Bearer " + json.loads(r.data)["access_token"]}


def _auth_scenario(c: Ctx, method: str, path: str) -> None:
    """The token exchanges: a good and a refused key, a good and a refused refresh token."""
    good = json.loads(_raw(c.emu, "POST", "/auth/api-key", payload={"apiKey": c.emu.api_key}).data)
    if path == "/auth/api-key":
        _raw(c.emu, "POST", path, payload={"apiKey": "not-the-key"})
    else:
        _raw(c.emu, "POST", path, payload={"refreshToken": good["refresh_token"]})
        _raw(c.emu, "POST", path, payload={"refreshToken": "not-a-token"})


@pytest.mark.parametrize(("method", "path"), ALL_OPS, ids=[f"{m} {p}" for m, p in ALL_OPS])
def test_answers_conform_to_spec(
    method: str, path: str, openapi: OpenAPI, apis: SimpleNamespace, emu: Any, files: SimpleNamespace
) -> None:
    emu.configure(log_body_limit=1 << 20)  # keep whole answers (reset() restores the default)
    c = Ctx(apis, emu, files)
    if (method, path) in AUTH_OPS:
        _auth_scenario(c, method, path)
    else:
        apis.videos.list()  # authenticates: the token exchange's answer is in the log too
        SCENARIOS[(method, path)](c)
    answers = emu.requests
    assert any(r.method == method and _match_template(r)[0] == path for r in answers)
    problems = [v for rec in answers for v in _response_violations(openapi, rec)]
    assert problems == []


def test_every_operation_is_answered_as_documented() -> None:
    """59 operations: the 57 of the SDK and the 2 token exchanges."""
    assert len(ALL_OPS) == 59 and len(AUTH_OPS) == 2


def test_response_validator_is_not_blind(emu: Any, openapi: OpenAPI, apis: SimpleNamespace) -> None:
    """A wrong type, a missing required field, an undocumented status and a bad header are all reported."""
    emu.configure(log_body_limit=1 << 20)
    video = apis.videos.create(VideoCreationPayload(title="t"))
    apis.videos.get(video.video_id)
    (rec,) = [r for r in emu.requests if r.method == "GET" and r.path.startswith("/videos/")]
    assert _response_violations(openapi, rec) == []
    body = json.loads(rec.response_body)
    broken = [
        dict(body, public="yes"),
        {k: v for k, v in body.items() if k != "videoId"},
        dict(body, discardedAt="yesterday"),
    ]
    for wrong in broken:
        rec.response_body = json.dumps(wrong).encode()
        assert _response_violations(openapi, rec), wrong
    rec.response_body = json.dumps(body).encode()
    rec.response_headers = dict(rec.response_headers, **{"X-RateLimit-Remaining": "many"})
    assert _response_violations(openapi, rec)
    rec.status = 418
    assert _response_violations(openapi, rec)


# --------------------------------------------------------------------------- analytics: every combination, every rule

# The aggregations the spec's metric descriptions give each metric of GET /data/metrics/{metric}/{aggregation}.
DOCUMENTED_AGGREGATIONS = {
    "play": ("count", "rate", "total"), "start": ("count",), "end": ("count",), "impression": ("count",),
    "impression-time": ("average", "sum"), "watch-time": ("average", "sum"), "ccv": ("peak", "live"),
    "view": ("count",),
}  # fmt: skip
SPEC_ENUM_GAPS = ("peak", "live", "referrer", "play-total")  # asked for, echoed, absent from the response enums


def _analytics_paths() -> List[str]:
    def enum(path: str, name: str) -> List[str]:
        params = [_resolve(p) for p in _spec_op("GET", path)["parameters"]]
        return [p for p in params if p["name"] == name][0]["schema"]["enum"]  # type: ignore[no-any-return]

    out = []
    assert sorted(DOCUMENTED_AGGREGATIONS) == sorted(enum("/data/metrics/{metric}/{aggregation}", "metric"))
    for metric, aggregations in DOCUMENTED_AGGREGATIONS.items():
        for aggregation in aggregations:
            out.append(f"/data/metrics/{metric}/{aggregation}")
    out += ["/data/metrics/ccv/peak?unique=true", "/data/metrics/ccv/live?unique=false"]
    out += [f"/data/metrics/view/count?unique=true&viewDuration={d}" for d in ("3s", "5s", "10s", "30s")]
    path = "/data/buckets/{metric}/{breakdown}"
    for metric in enum(path, "metric"):
        for breakdown in enum(path, "breakdown"):
            if metric != "play-total" or breakdown == "media-id":
                out.append(f"/data/buckets/{metric}/{breakdown}")
    out += ["/data/buckets/ccv-peak/country?unique=true", "/data/buckets/view/browser?unique=true&viewDuration=3s"]
    for metric in enum("/data/timeseries/{metric}", "metric"):
        for interval, span in (("minute", timedelta(minutes=30)), ("hour", timedelta(hours=5)), ("day", None)):
            query = f"interval={interval}"
            if span is not None:
                query += f"&from={(NOW - span).isoformat()}&to={NOW.isoformat()}".replace("+", "%2B")
            out.append(f"/data/timeseries/{metric}?{query}")
    out += ["/data/timeseries/ccv-average?unique=true", "/data/timeseries/view?unique=false&viewDuration=30s"]
    return out


def test_analytics_answers_conform(emu: Any, openapi: OpenAPI, apis: SimpleNamespace) -> None:
    """Every documented metric/aggregation/breakdown/interval combination answers 200 as the spec describes it."""
    apis.videos.create(VideoCreationPayload(title="watched"))  # something for the media-id breakdown
    emu.configure(log_body_limit=1 << 20)
    headers = _bearer(emu)
    paths = _analytics_paths()
    assert len(paths) > 100
    for path in paths:
        r = _raw(emu, "GET", path, headers)
        assert r.status == 200, (path, r.data[:300])
        rec = emu.requests[-1]
        violations = _response_violations(openapi, rec)
        assert [v for v in violations if not any(f": '{g}' is not one of" in v for g in SPEC_ENUM_GAPS)] == [], path
        body = json.loads(r.data)
        values = [body["data"]] if isinstance(body["data"], float) else [d["metricValue"] for d in body["data"]]
        assert values and all(v > 0 for v in values), path  # figures a dashboard can be tested with


def _ago(**delta: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).replace(microsecond=0).isoformat().replace("+", "%2B")


ANALYTICS_RULES = [
    # (request, the name the 400 answer gives), from the rules the spec states for the three operations
    ("/data/metrics/play/peak", "aggregation"),  # peak: ccv only
    ("/data/metrics/view/live", "aggregation"),  # live: ccv only
    ("/data/metrics/impression/rate", "aggregation"),  # rate: play only
    ("/data/metrics/watch-time/count", "aggregation"),  # watch-time: average, sum
    ("/data/buckets/play-total/country", "breakdown"),  # play-total: media-id only
    (f"/data/timeseries/play?interval=minute&from={_ago(minutes=61)}", "interval"),  # minute: 60 minutes at most
    (f"/data/timeseries/play?interval=minute&from={_ago(days=1)}", "interval"),
    ("/data/metrics/play/count?unique=true", "unique"),  # unique: ccv and view only
    ("/data/buckets/start/country?unique=false", "unique"),
    ("/data/metrics/ccv/peak?viewDuration=5s", "viewDuration"),  # viewDuration: view only
    ("/data/timeseries/ccv-peak?viewDuration=10s", "viewDuration"),
    ("/data/metrics/view/count?viewDuration=7s", "viewDuration"),
    (f"/data/metrics/play/count?from={_ago(days=31)}", "from"),  # at most 30 days ago
    (f"/data/timeseries/view?from={_ago(hours=1)}&to={_ago(hours=2)}", "from"),
    ("/data/metrics/play/count?from=yesterday", "from"),
    ("/data/metrics/play/total?filterBy[country][]=FR", "filterBy[country]"),  # play totals: media filters only
    ("/data/buckets/play-total/media-id?filterBy[browser][]=chrome", "filterBy[browser]"),
    ("/data/metrics/play/count?filterBy[referrer][]=https://e.x/" + "a" * 2040, "filterBy[referrer]"),
    ("/data/metrics/play/count?filterBy[continent][]=XX", "filterBy[continent]"),
    ("/data/metrics/play/count?filterBy[city][]=Paris", "filterBy[city][]"),
    ("/data/metrics/play/count?bogus=1", "bogus"),  # "This field was not expected."
    ("/data/buckets/play/country?interval=hour", "interval"),
    ("/data/metrics/nope/count", "metric"),
    ("/data/buckets/play/city", "breakdown"),
]


# The ids leave out the times, so that every parallel worker collects the same tests whatever second it starts in.
_RULE_IDS = [re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d%2B00:00", "TIME", p)[:60] for p, _ in ANALYTICS_RULES]


@pytest.mark.parametrize(("path", "name"), ANALYTICS_RULES, ids=_RULE_IDS)
def test_analytics_rules_answer_400(emu: Any, openapi: OpenAPI, path: str, name: str) -> None:
    r = _raw(emu, "GET", path, _bearer(emu))
    assert r.status == 400, r.data[:300]
    body = json.loads(r.data)
    assert body["name"] == name and body["status"] == 400 and body["detail"]
    assert _response_violations(openapi, emu.requests[-1]) == []


def test_analytics_edges_the_api_accepts(emu: Any) -> None:
    headers = _bearer(emu)
    # play/total ignores from and to, so an old or reversed timeframe is no error there
    assert _raw(emu, "GET", f"/data/metrics/play/total?from={_ago(days=90)}", headers).status == 200
    assert _raw(emu, "GET", f"/data/metrics/play/total?from={_ago(hours=1)}&to={_ago(hours=2)}", headers).status == 200
    assert _raw(emu, "GET", "/data/metrics/play/total?filterBy[mediaType]=video", headers).status == 200
    # exactly 60 minutes by the minute: 60 points
    start = NOW - timedelta(hours=2)
    span = f"from={start.isoformat()}&to={(start + timedelta(minutes=60)).isoformat()}".replace("+", "%2B")
    r = _raw(emu, "GET", f"/data/timeseries/play?interval=minute&pageSize=100&{span}", headers)
    assert r.status == 200 and json.loads(r.data)["pagination"]["itemsTotal"] == 60


# --------------------------------------------------------------------------- error answers

# Operations whose spec lists no 404 although an unknown id can only be answered 404: their 404 answers are checked
# against the problem shape of the other operations' 404 instead.
UNDOCUMENTED_404 = {
    ("DELETE", "/summaries/{summaryId}"),
    ("PATCH", "/summaries/{summaryId}/source"),
    ("GET", "/live-streams/{liveStreamId}"),
    ("DELETE", "/live-streams/{liveStreamId}"),
    ("PATCH", "/live-streams/{liveStreamId}"),
    ("GET", "/webhooks/{webhookId}"),
}
WITH_ID = [(m, p) for m, p in SPEC_OPS if "{" in p and not p.startswith("/data/")]
_BODIES = {"/videos/{videoId}/thumbnail": {"timecode": "00:00:01"}, "/discarded/videos/{videoId}": {"discarded": False}}


@pytest.mark.parametrize(("method", "path"), WITH_ID, ids=[f"{m} {p}" for m, p in WITH_ID])
def test_unknown_ids_are_answered_as_documented(emu: Any, openapi: OpenAPI, method: str, path: str) -> None:
    import urllib3

    headers = _bearer(emu)
    url = re.sub(r"\{\w+\}", "unknown", path.replace("{language}", "en"))
    content = _spec_op(method, path).get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        body, headers["Content-Type"] = urllib3.encode_multipart_formdata({"file": ("a.jpg", b"\xff\xd8")})
    elif "application/json" in content:
        body, headers["Content-Type"] = json.dumps(_BODIES.get(path, {})).encode(), "application/json"
    else:
        body = None
    r = _raw(emu, method, url, headers, body=body)
    problem = json.loads(r.data)
    assert r.status == 404 and problem["status"] == 404 and problem["type"].endswith("/resource-not-found")
    assert r.headers["Content-Type"] == "application/problem+json"
    rec = emu.requests[-1]
    if (method, path) in UNDOCUMENTED_404:
        assert _spec_op(method, path)["responses"].get("404") is None  # still undocumented
        rec.path, rec.method = "/videos/unknown", "GET"  # validated as the documented 404 of GET /videos/{videoId}
    assert _response_violations(openapi, rec) == []
