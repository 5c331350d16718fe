"""Core routes: authentication, videos, uploads and upload tokens."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from ._common import (
    VIDEO_LANGUAGES,
    check_image,
    clean,
    invalid,
    new_id,
    not_found,
    now_iso,
    paginate,
    problem,
    required,
    sort_items,
    v_bool,
    v_metadata,
    v_str,
    v_str_list,
)
from ._encoding import encoding_status
from ._router import Ctx, Result, Router
from ._state import State, Video
from ._uploads import ContentRange, SourceUpload, release_target

router = Router()

CDN = "https://cdn.emulator.api.video"
EMBED = "https://embed.emulator.api.video"
DISCARD_DAYS = 90
MAX_TOKEN_TTL = 2147483647  # the spec's upper bound


# --- auth ----------------------------------------------------------------------------


def issue_tokens(state: State) -> dict[str, Any]:
    with state.lock:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(48)
        state.access_tokens[access] = time.monotonic() + float(state.token_lifetime)
        state.refresh_tokens[refresh] = True
        return {
            "token_type": "Bearer",
            "expires_in": int(state.token_lifetime),
            "access_token": access,
            "refresh_token": refresh,
        }


@router.add("POST", "/auth/api-key", secured=False)
def auth_api_key(ctx: Ctx) -> Result:
    body = ctx.json()
    key = v_str(body, "apiKey", required_=True)
    if key != ctx.state.api_key:
        raise problem(400, "authentication-invalid-user-credentials", "The user credentials were incorrect.", "apiKey")
    return 200, issue_tokens(ctx.state)


@router.add("POST", "/auth/refresh", secured=False)
def auth_refresh(ctx: Ctx) -> Result:
    body = ctx.json()
    token = v_str(body, "refreshToken", required_=True)
    with ctx.state.lock:
        if ctx.state.refresh_tokens.pop(token, None) is None:
            raise problem(400, "authentication-invalid-refresh-token", "The refresh token is invalid.", "refreshToken")
    return 200, issue_tokens(ctx.state)


# --- video helpers ------------------------------------------------------------------------


def assets_for(video_id: str, mp4: bool, thumb_version: int = 0) -> dict[str, str]:
    suffix = f"?v={thumb_version}" if thumb_version else ""
    out = {
        "iframe": (
            f'<iframe src="{EMBED}/vod/{video_id}" width="100%" height="100%" '
            'frameborder="0" scrolling="no" allowfullscreen=""></iframe>'
        ),
        "player": f"{EMBED}/vod/{video_id}",
        "hls": f"{CDN}/vod/{video_id}/hls/manifest.m3u8",
        "thumbnail": f"{CDN}/vod/{video_id}/thumbnail.jpg{suffix}",
    }
    if mp4:
        out["mp4"] = f"{CDN}/vod/{video_id}/mp4/source.mp4"
    return out


# Fields the API returns as null when unset (the spec declares them nullable and its examples show them).
# languageOrigin is nullable too, but its enum has no null: it is left out until a language is set.
NULLABLE_VIDEO_FIELDS = ("discardedAt", "deletesAt")


def render_video(video: Video) -> dict[str, Any]:
    d = clean(video.data)
    for name in NULLABLE_VIDEO_FIELDS:
        d[name] = video.data.get(name)
    d["tags"] = list(video.data.get("tags") or [])
    d["metadata"] = [dict(m) for m in video.data.get("metadata") or []]
    d["assets"] = assets_for(video.id, bool(video.data.get("mp4Support")), video.data.get("_thumb", 0))
    d["source"] = {"uri": f"/videos/{video.id}/source"}
    if video.upload.complete:
        d["source"]["type"] = "upload"
    return d


def validate_video_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Validate the writable fields of a creation/update payload; return the ones present."""
    out: dict[str, Any] = {}
    title = v_str(body, "title", required_=creating, nullable=False)
    if "title" in body:
        if not title or not title.strip():
            raise required("title")
        out["title"] = title
    for name in ("description", "playerId"):
        if name in body:
            out[name] = v_str(body, name)
    for name in ("public", "panoramic", "mp4Support"):
        if name in body:
            value = v_bool(body, name)
            if value is None:
                raise invalid(name, "This value must be of type boolean.")
            out[name] = value
    if "tags" in body:
        out["tags"] = v_str_list(body, "tags") or []
    if "metadata" in body:
        out["metadata"] = v_metadata(body) or []
    if "language" in body:
        lang = body["language"]
        if lang is not None:
            if not isinstance(lang, str) or not re.fullmatch(r"[A-Za-z]+(-[A-Za-z]+)*", lang):
                raise invalid(
                    "language",
                    'The "language" attribute must contain only letters and dashes (for example "fr", "fr-BE").',
                )
            if lang.split("-")[0].lower() not in VIDEO_LANGUAGES:
                raise invalid("language", 'The "language" attribute is not valid.')
        out["language"] = lang
        out["languageOrigin"] = "api" if lang else None
    return out


def create_video(state: State, fields: dict[str, Any]) -> Video:
    with state.lock:
        vid = new_id("vi")
        now = now_iso()
        data: dict[str, Any] = {
            "videoId": vid,
            "createdAt": now,
            "title": "",
            "description": "",
            "publishedAt": now,
            "updatedAt": now,
            "discarded": False,
            "language": None,
            "languageOrigin": None,
            "tags": [],
            "metadata": [],
            "playerId": None,
            "public": True,
            "panoramic": False,
            "mp4Support": True,
        }
        data.update(fields)
        video = Video(data, state.next_seq())
        state.videos[vid] = video
        return video


def get_video(state: State, video_id: str) -> Video:
    video = state.videos.get(video_id)
    if video is None:
        raise not_found("videoId", video_id)
    return video


def touch(video: Video) -> None:
    video.data["updatedAt"] = now_iso()


# --- videos ---------------------------------------------------------------------------------


@router.add("POST", "/videos")
def create(ctx: Ctx) -> Result:
    body = ctx.json()
    fields = validate_video_fields(body, creating=True)
    video = create_video(ctx.state, fields)
    with ctx.state.lock:
        return 201, render_video(video)


def _filter_videos(ctx: Ctx, videos: list[Video]) -> list[Video]:
    title = ctx.q("title")
    desc = ctx.q("description")
    live = ctx.q("liveStreamId")
    tags = [t for t in ctx.qall("tags[]", "tags") if t != ""]
    meta = []
    for k, v in ctx.query:
        m = re.fullmatch(r"metadata\[(.*)\]", k)
        if m:
            meta.append((m.group(1), v))
    out = []
    for video in videos:
        d = video.data
        if title is not None and title not in (d.get("title") or ""):
            continue
        if desc is not None and desc not in (d.get("description") or ""):
            continue
        if live is not None and d.get("_liveStreamId") != live:
            continue
        if any(t not in (d.get("tags") or []) for t in tags):
            continue
        pairs = {(m["key"], m["value"]) for m in d.get("metadata") or []}
        if any(p not in pairs for p in meta):
            continue
        out.append(video)
    return out


VIDEO_SORTS = {
    "title": lambda v: v.data.get("title") or "",
    "createdAt": lambda v: v.seq,
    "publishedAt": lambda v: v.data.get("publishedAt") or "",
    "updatedAt": lambda v: v.data.get("updatedAt") or "",
}


def _list(ctx: Ctx, store: dict[str, Video], path: str) -> Result:
    with ctx.state.lock:
        items = sorted(store.values(), key=lambda v: v.seq)
        items = _filter_videos(ctx, items)
        items = sort_items(items, ctx.query, VIDEO_SORTS)
        return 200, paginate(items, ctx.query, ctx.host, path, render_video)


@router.add("GET", "/videos")
def list_videos(ctx: Ctx) -> Result:
    return _list(ctx, ctx.state.videos, "/videos")


@router.add("GET", "/videos/{videoId}")
def get(ctx: Ctx) -> Result:
    with ctx.state.lock:
        return 200, render_video(get_video(ctx.state, ctx.params["videoId"]))


@router.add("PATCH", "/videos/{videoId}")
def update(ctx: Ctx) -> Result:
    body = ctx.json()
    fields = validate_video_fields(body, creating=False)
    with ctx.state.lock:
        video = get_video(ctx.state, ctx.params["videoId"])
        video.data.update(fields)
        touch(video)
        return 200, render_video(video)


@router.add("DELETE", "/videos/{videoId}")
def delete(ctx: Ctx) -> Result:
    with ctx.state.lock:
        video = get_video(ctx.state, ctx.params["videoId"])
        del ctx.state.videos[video.id]
        now = time.time()
        video.data.update(discarded=True, discardedAt=now_iso(now), deletesAt=now_iso(now + DISCARD_DAYS * 86400))
        ctx.state.discarded[video.id] = video
    return 204, None


@router.add("GET", "/discarded/videos")
def list_discarded(ctx: Ctx) -> Result:
    return _list(ctx, ctx.state.discarded, "/discarded/videos")


def _get_discarded(state: State, video_id: str) -> Video:
    video = state.discarded.get(video_id)
    if video is None:
        raise not_found("videoId", video_id)
    return video


@router.add("GET", "/discarded/videos/{videoId}")
def get_discarded(ctx: Ctx) -> Result:
    with ctx.state.lock:
        return 200, render_video(_get_discarded(ctx.state, ctx.params["videoId"]))


@router.add("PATCH", "/discarded/videos/{videoId}")
def update_discarded(ctx: Ctx) -> Result:
    body = ctx.json()
    if "discarded" not in body:
        raise required("discarded")
    if body["discarded"] is not False:
        raise invalid("discarded", "Value must be false.")
    with ctx.state.lock:
        video = _get_discarded(ctx.state, ctx.params["videoId"])
        del ctx.state.discarded[video.id]
        video.data.update(discarded=False, discardedAt=None, deletesAt=None)
        touch(video)
        ctx.state.videos[video.id] = video
        return 200, render_video(video)


@router.add("GET", "/videos/{videoId}/status")
def status(ctx: Ctx) -> Result:
    with ctx.state.lock:
        video = get_video(ctx.state, ctx.params["videoId"])
        up = video.upload
        return 200, {"ingest": up.ingest(), "encoding": encoding_status(up, bool(video.data.get("mp4Support")))}


# --- thumbnails -------------------------------------------------------------------------


@router.add("POST", "/videos/{videoId}/thumbnail")
def upload_thumbnail(ctx: Ctx) -> Result:
    with ctx.state.lock:
        get_video(ctx.state, ctx.params["videoId"])
    form = ctx.form()
    part = ctx.single_file(form)
    check_image(part.filename)
    with ctx.state.lock:
        video = get_video(ctx.state, ctx.params["videoId"])
        video.thumbnail = bytes(part.target.data)
        video.data["_thumb"] = video.data.get("_thumb", 0) + 1
        touch(video)
        return 200, render_video(video)


# hh:mm:ss, hh:mm:ss.ms, hh:mm:ss:frame, or whole seconds (out-of-range values are clamped by the API)
_TIMECODE = re.compile(r"^(\d{2,3}:\d{2}:\d{2}([.:]\d{1,3})?|\d{1,7})$")


@router.add("PATCH", "/videos/{videoId}/thumbnail")
def pick_thumbnail(ctx: Ctx) -> Result:
    body = ctx.json()
    timecode = v_str(body, "timecode", required_=True)
    if not _TIMECODE.match(timecode):
        raise invalid("timecode", "The timecode must use the HH:MM:SS.mmm format.")
    with ctx.state.lock:
        video = get_video(ctx.state, ctx.params["videoId"])
        video.data["_thumb"] = video.data.get("_thumb", 0) + 1
        touch(video)
        return 200, render_video(video)


# --- source uploads --------------------------------------------------------------------


def _receive_source(ctx: Ctx, video_id: str | None, allow_create: bool) -> Result:
    """Shared body of ``POST /videos/{id}/source`` and ``POST /upload``."""
    state = ctx.state
    cr = ContentRange.parse(ctx.headers.get("Content-Range"))

    targets: list[Any] = []

    def make_target(name: str, filename: str, form: Any) -> Any:
        vid = video_id or (form.fields().get("videoId") if allow_create else None)
        with state.lock:
            video = state.videos.get(vid) if vid else None
            upload = video.upload if video is not None else SourceUpload()
            targets.append(upload.make_target(cr, state.sink))
            return targets[-1]

    try:
        form = ctx.form(make_target)
        part = ctx.single_file(form)
    except BaseException:  # a body cut short or refused: what sink mode set aside is given back
        for target in targets:
            release_target(target)
        raise
    target_vid = video_id or (form.fields().get("videoId") or None if allow_create else None)
    with state.lock:
        try:
            if target_vid:
                video = get_video(state, target_vid)
            else:
                video = create_video(state, {"title": part.filename or "file"})
        except BaseException:
            release_target(part.target)
            raise
        fault = state.take_fault(ctx.method, ctx.path, ("lose",))
        lost = fault is not None
        up = video.upload
        was_complete = up.complete
        try:
            work = up.accept(cr, part.target, part.filename, state.sink, lost)
        except Exception:
            if not target_vid:  # a refused chunk must not leave a new empty video behind
                state.videos.pop(video.id, None)
            if fault is not None:  # a refused chunk is not the one to lose
                state.give_back_fault(fault)
            raise
        if lost:
            ctx.injected = "lose"
        if up.complete and not was_complete:
            _start_encoding(state, up)
        touch(video)
    if work is not None:  # sink mode: hash outside the lock, so parallel chunks do not wait on each other
        hasher, target, next_key = work
        hasher.add(target, next_key)
    with state.lock:
        return 201, render_video(video)


def _start_encoding(state: State, up: SourceUpload) -> None:
    """Fix how the encoding of a just-completed source goes: its duration, and whether it fails."""
    up.encoding_time = state.encoding_time
    if state.fail_next_encodings > 0:
        state.fail_next_encodings -= 1
        up.encoding_fails = True


@router.add("POST", "/videos/{videoId}/source")
def upload_source(ctx: Ctx) -> Result:
    with ctx.state.lock:
        get_video(ctx.state, ctx.params["videoId"])
    return _receive_source(ctx, ctx.params["videoId"], allow_create=False)


def _live_token(state: State, token: str) -> dict[str, Any] | None:
    tok = state.upload_tokens.get(token)
    if tok is None:
        return None
    if tok["_expires"] is not None and time.time() >= tok["_expires"]:
        del state.upload_tokens[token]
        return None
    return tok


@router.add("POST", "/upload", secured=False)
def upload_with_token(ctx: Ctx) -> Result:
    token = ctx.q("token")
    if not token:
        raise required("token")
    with ctx.state.lock:
        if _live_token(ctx.state, token) is None:
            raise not_found("token")  # never echo a secret
    return _receive_source(ctx, None, allow_create=True)


# --- upload tokens ------------------------------------------------------------------------


def render_token(tok: dict[str, Any]) -> dict[str, Any]:
    out = clean(tok)
    out["expiresAt"] = tok.get("expiresAt")
    return out


@router.add("POST", "/upload-tokens")
def create_token(ctx: Ctx) -> Result:
    body = ctx.json()
    ttl = body.get("ttl", 0)
    if ttl is None:
        ttl = 0
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise invalid("ttl", "This value must be of type integer.")
    if not 0 <= ttl <= MAX_TOKEN_TTL:
        raise invalid("ttl", f"This value should be between 0 and {MAX_TOKEN_TTL}.")
    with ctx.state.lock:
        now = time.time()
        token = new_id("to")
        tok = {
            "token": token,
            "ttl": ttl,
            "createdAt": now_iso(now),
            "expiresAt": now_iso(now + ttl) if ttl else None,  # present as null: the spec declares it nullable
            "_expires": now + ttl if ttl else None,
            "_seq": ctx.state.next_seq(),
        }
        ctx.state.upload_tokens[token] = tok
        return 200, render_token(tok)


@router.add("GET", "/upload-tokens")
def list_tokens(ctx: Ctx) -> Result:
    with ctx.state.lock:
        items = [t for t in list(ctx.state.upload_tokens) if _live_token(ctx.state, t)]
        toks = [ctx.state.upload_tokens[t] for t in items]
        toks = sort_items(toks, ctx.query, {"createdAt": lambda t: t["_seq"], "ttl": lambda t: t["ttl"]})
        return 200, paginate(toks, ctx.query, ctx.host, "/upload-tokens", render_token)


@router.add("GET", "/upload-tokens/{uploadToken}")
def get_token(ctx: Ctx) -> Result:
    with ctx.state.lock:
        tok = _live_token(ctx.state, ctx.params["uploadToken"])
        if tok is None:
            raise not_found("uploadToken")
        return 200, render_token(tok)


@router.add("DELETE", "/upload-tokens/{uploadToken}")
def delete_token(ctx: Ctx) -> Result:
    with ctx.state.lock:
        if _live_token(ctx.state, ctx.params["uploadToken"]) is None:
            raise not_found("uploadToken")
        del ctx.state.upload_tokens[ctx.params["uploadToken"]]
    return 204, None
