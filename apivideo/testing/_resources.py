"""Secondary resources: live streams, captions, chapters, players, watermarks, webhooks, summaries and tags."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from ._common import (
    DOCS,
    check_image,
    check_language,
    clean,
    invalid,
    new_id,
    not_found,
    now_iso,
    paginate,
    problem,
    q_enum,
    sort_items,
    v_bool,
    v_str,
)
from ._router import Ctx, Result, Router
from ._state import Video
from ._videos import CDN, EMBED, get_video

router = Router()

LIVE = "https://live.emulator.api.video"


def _get(store: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    item: dict[str, Any] | None = store.get(key)
    if item is None:
        raise not_found(name, key)
    return item


def _stamp(item: dict[str, Any]) -> None:
    item["updatedAt"] = now_iso()


# --- live streams ---------------------------------------------------------------------


def _restreams(body: dict[str, Any]) -> Any:
    value = body.get("restreams")
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid("restreams", "This attribute must be an array.")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise invalid(f"restreams[{i}]", "This value must be an object.")
        for key in ("name", "serverUrl", "streamKey"):
            val = item.get(key)
            if not isinstance(val, str) or not val.strip():
                raise invalid(f"restreams[{i}][{key}]", "This value should not be blank.")
        out.append({k: item[k] for k in ("name", "serverUrl", "streamKey")})
    return out


def _live_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if creating or "name" in body:
        out["name"] = v_str(body, "name", required_=True)
    if "public" in body:
        out["public"] = v_bool(body, "public")
    if "playerId" in body:
        out["playerId"] = v_str(body, "playerId")
    if "restreams" in body:
        out["restreams"] = _restreams(body) or []
    return out


def _render_live(ls: dict[str, Any]) -> dict[str, Any]:
    d = clean(ls)
    lid = ls["liveStreamId"]
    d["restreams"] = [dict(r) for r in ls.get("restreams") or []]
    d["assets"] = {
        "hls": f"{LIVE}/{lid}.m3u8",
        "iframe": (
            f'<iframe src="{EMBED}/live/{lid}" width="100%" height="100%" frameborder="0" '
            'scrolling="no" allowfullscreen=""></iframe>'
        ),
        "player": f"{EMBED}/live/{lid}",
        "thumbnail": f"{CDN}/live/{lid}/thumbnail.jpg" + (f"?v={ls['_thumb']}" if ls.get("_thumb") else ""),
    }
    return d


@router.add("POST", "/live-streams")
def create_live(ctx: Ctx) -> Result:
    fields = _live_fields(ctx.json(), creating=True)
    with ctx.state.lock:
        now = now_iso()
        lid = new_id("li")
        ls = {
            "liveStreamId": lid,
            "createdAt": now,
            "updatedAt": now,
            "streamKey": str(uuid.uuid4()),
            "restreams": [],
            "name": "",
            "public": True,
            "broadcasting": False,
            "playerId": None,
            "_seq": ctx.state.next_seq(),
        }
        ls.update(fields)
        ctx.state.live_streams[lid] = ls
        return 200, _render_live(ls)


@router.add("GET", "/live-streams")
def list_live(ctx: Ctx) -> Result:
    key, name = ctx.q("streamKey"), ctx.q("name")
    with ctx.state.lock:
        items = [
            x
            for x in ctx.state.live_streams.values()
            if (key is None or x["streamKey"] == key) and (name is None or name in x["name"])
        ]
        items = sort_items(
            items,
            ctx.query,
            {"name": lambda x: x["name"], "createdAt": lambda x: x["_seq"], "updatedAt": lambda x: x["updatedAt"]},
        )
        return 200, paginate(items, ctx.query, ctx.host, "/live-streams", _render_live)


@router.add("GET", "/live-streams/{liveStreamId}")
def get_live(ctx: Ctx) -> Result:
    with ctx.state.lock:
        return 200, _render_live(_get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId"))


@router.add("PATCH", "/live-streams/{liveStreamId}")
def update_live(ctx: Ctx) -> Result:
    fields = _live_fields(ctx.json(), creating=False)
    with ctx.state.lock:
        ls = _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
        ls.update(fields)
        _stamp(ls)
        return 200, _render_live(ls)


@router.add("DELETE", "/live-streams/{liveStreamId}")
def delete_live(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
        del ctx.state.live_streams[ctx.params["liveStreamId"]]
    return 204, None


@router.add("POST", "/live-streams/{liveStreamId}/thumbnail")
def upload_live_thumbnail(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
    part = ctx.single_file(ctx.form())
    check_image(part.filename)
    with ctx.state.lock:
        ls = _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
        ls["_thumb"] = ls.get("_thumb", 0) + 1
        _stamp(ls)
        return 201, _render_live(ls)


@router.add("DELETE", "/live-streams/{liveStreamId}/thumbnail")
def delete_live_thumbnail(ctx: Ctx) -> Result:
    with ctx.state.lock:
        ls = _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
        ls["_thumb"] = 0
        _stamp(ls)
        return 200, _render_live(ls)


@router.add("PUT", "/live-streams/{liveStreamId}/complete")
def complete_live(ctx: Ctx) -> Result:
    with ctx.state.lock:
        ls = _get(ctx.state.live_streams, ctx.params["liveStreamId"], "liveStreamId")
        ls["broadcasting"] = False
    return 202, None


# --- captions & chapters: per-language sub-resources of a video ------------------------------


class LanguageTracks:
    """One kind of per-language file attached to a video (captions, chapters): upload, get, list, delete.

    ``render(video_id, language, display_name, previous)`` builds the object kept and answered for an upload.
    """

    def __init__(
        self, kind: str, render: Callable[[str, str, str, dict[str, Any] | None], dict[str, Any]], patchable: bool
    ) -> None:
        self.kind = kind
        self.render = render
        base = f"/videos/{{videoId}}/{kind}"
        router.add("POST", base + "/{language}")(self.upload)
        router.add("GET", base + "/{language}")(self.get)
        router.add("DELETE", base + "/{language}")(self.delete)
        router.add("GET", base)(self.list)
        if patchable:
            router.add("PATCH", base + "/{language}")(self.update)

    def store(self, video: Video) -> dict[str, dict[str, Any]]:
        return video.captions if self.kind == "captions" else video.chapters

    def _find(self, ctx: Ctx) -> tuple[Video, dict[str, Any]]:
        check_language(ctx.params["language"])
        video = get_video(ctx.state, ctx.params["videoId"])
        item = self.store(video).get(ctx.params["language"])
        if item is None:
            raise not_found("language", ctx.params["language"])
        return video, item

    def upload(self, ctx: Ctx) -> Result:
        lang = ctx.params["language"]
        name = check_language(lang)
        with ctx.state.lock:
            get_video(ctx.state, ctx.params["videoId"])
        ctx.single_file(ctx.form())
        with ctx.state.lock:
            video = get_video(ctx.state, ctx.params["videoId"])
            store = self.store(video)
            store[lang] = self.render(video.id, lang, name, store.get(lang))
            return 200, dict(store[lang])

    def get(self, ctx: Ctx) -> Result:
        with ctx.state.lock:
            return 200, dict(self._find(ctx)[1])

    def update(self, ctx: Ctx) -> Result:
        default = v_bool(ctx.json(), "default")
        with ctx.state.lock:
            video, item = self._find(ctx)
            if default:  # one default language per video
                for other in self.store(video).values():
                    other["default"] = False
            if default is not None:
                item["default"] = default
            return 200, dict(item)

    def delete(self, ctx: Ctx) -> Result:
        with ctx.state.lock:
            video, _ = self._find(ctx)
            del self.store(video)[ctx.params["language"]]
        return 204, None

    def list(self, ctx: Ctx) -> Result:
        with ctx.state.lock:
            video = get_video(ctx.state, ctx.params["videoId"])
            items = [dict(x) for x in self.store(video).values()]
            return 200, paginate(items, ctx.query, ctx.host, f"/videos/{video.id}/{self.kind}")


def _caption(video_id: str, lang: str, name: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "uri": f"/videos/{video_id}/captions/{lang}",
        "src": f"{CDN}/vod/{video_id}/captions/{lang}.vtt",
        "srclang": lang,
        "languageName": name,
        "default": bool(previous and previous["default"]),  # a new file keeps the language's default flag
    }


def _chapter(video_id: str, lang: str, name: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    uri = f"/videos/{video_id}/chapters/{lang}"
    return {"uri": uri, "src": f"{CDN}/vod/{video_id}/chapters/{lang}.vtt", "language": lang}


CAPTIONS = LanguageTracks("captions", _caption, patchable=True)
CHAPTERS = LanguageTracks("chapters", _chapter, patchable=False)


# --- player themes -------------------------------------------------------------------------

PLAYER_STRINGS = (
    "name",
    "text",
    "link",
    "linkHover",
    "linkActive",
    "trackPlayed",
    "trackUnplayed",
    "trackBackground",
    "backgroundTop",
    "backgroundBottom",
    "backgroundText",
)
PLAYER_BOOLS = {
    "enableApi": True,
    "enableControls": True,
    "forceAutoplay": False,
    "hideTitle": False,
    "forceLoop": False,
}


def _player_fields(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in PLAYER_STRINGS:
        if name in body:
            out[name] = v_str(body, name)
    for name in PLAYER_BOOLS:
        if name in body:
            out[name] = v_bool(body, name)
    return out


def _render_player(p: dict[str, Any]) -> dict[str, Any]:
    d = clean(p)
    if p.get("_logo"):
        d["assets"] = {
            "logo": f"{CDN}/players/{p['playerId']}/logo.png?v={p['_logo']}",
            "link": p.get("_logo_link") or "",
        }
    return d


@router.add("POST", "/players")
def create_player(ctx: Ctx) -> Result:
    fields = _player_fields(ctx.json())
    with ctx.state.lock:
        now = now_iso()
        pid = new_id("pl")
        player: dict[str, Any] = {"playerId": pid, "createdAt": now, "updatedAt": now, "_seq": ctx.state.next_seq()}
        player.update(PLAYER_BOOLS)
        player.update(fields)
        ctx.state.players[pid] = player
        return 201, _render_player(player)


@router.add("GET", "/players")
def list_players(ctx: Ctx) -> Result:
    with ctx.state.lock:
        items = sort_items(
            list(ctx.state.players.values()),
            ctx.query,
            {
                "name": lambda x: x.get("name") or "",
                "createdAt": lambda x: x["_seq"],
                "updatedAt": lambda x: x["updatedAt"],
            },
        )
        return 200, paginate(items, ctx.query, ctx.host, "/players", _render_player)


@router.add("GET", "/players/{playerId}")
def get_player(ctx: Ctx) -> Result:
    with ctx.state.lock:
        return 200, _render_player(_get(ctx.state.players, ctx.params["playerId"], "playerId"))


@router.add("PATCH", "/players/{playerId}")
def update_player(ctx: Ctx) -> Result:
    fields = _player_fields(ctx.json())
    with ctx.state.lock:
        player = _get(ctx.state.players, ctx.params["playerId"], "playerId")
        player.update(fields)
        _stamp(player)
        return 200, _render_player(player)


@router.add("DELETE", "/players/{playerId}")
def delete_player(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.players, ctx.params["playerId"], "playerId")
        del ctx.state.players[ctx.params["playerId"]]
    return 204, None


@router.add("POST", "/players/{playerId}/logo")
def upload_logo(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.players, ctx.params["playerId"], "playerId")
    form = ctx.form()
    part = ctx.single_file(form)
    check_image(part.filename)
    with ctx.state.lock:
        player = _get(ctx.state.players, ctx.params["playerId"], "playerId")
        player["_logo"] = player.get("_logo", 0) + 1
        player["_logo_link"] = form.fields().get("link", "")
        _stamp(player)
        return 201, _render_player(player)


@router.add("DELETE", "/players/{playerId}/logo")
def delete_logo(ctx: Ctx) -> Result:
    with ctx.state.lock:
        player = _get(ctx.state.players, ctx.params["playerId"], "playerId")
        player["_logo"] = 0
        player["_logo_link"] = None
        _stamp(player)
    return 204, None


# --- watermarks ---------------------------------------------------------------------------


@router.add("POST", "/watermarks")
def upload_watermark(ctx: Ctx) -> Result:
    part = ctx.single_file(ctx.form())
    check_image(part.filename)
    with ctx.state.lock:
        wid = new_id("watermark_")
        wm = {"watermarkId": wid, "createdAt": now_iso(), "_seq": ctx.state.next_seq()}
        ctx.state.watermarks[wid] = wm
        return 200, clean(wm)


@router.add("GET", "/watermarks")
def list_watermarks(ctx: Ctx) -> Result:
    with ctx.state.lock:
        items = sort_items(list(ctx.state.watermarks.values()), ctx.query, {"createdAt": lambda x: x["_seq"]})
        return 200, paginate(items, ctx.query, ctx.host, "/watermarks", clean)


@router.add("DELETE", "/watermarks/{watermarkId}")
def delete_watermark(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.watermarks, ctx.params["watermarkId"], "watermarkId")
        del ctx.state.watermarks[ctx.params["watermarkId"]]
    return 204, None


# --- webhooks -----------------------------------------------------------------------------

WEBHOOK_EVENTS = (
    "live-stream.broadcast.started",
    "live-stream.broadcast.ended",
    "video.source.recorded",
    "video.encoding.quality.completed",
    "video.caption.generated",
    "video.summary.generated",
)


@router.add("POST", "/webhooks")
def create_webhook(ctx: Ctx) -> Result:
    body = ctx.json()
    problems = []
    events = body.get("events")
    if events is None:
        problems.append(("attribute-required", "This attribute is required.", "events"))
    elif not isinstance(events, list) or not events or any(e not in WEBHOOK_EVENTS for e in events):
        problems.append(("invalid-attribute", "This attribute must be an array of known events.", "events"))
    url = body.get("url")
    if url is None:
        problems.append(("attribute-required", "This attribute is required.", "url"))
    elif not isinstance(url, str) or not url.startswith(("http://", "https://")):
        problems.append(("invalid-attribute", "This value is not a valid URL.", "url"))
    if problems:
        first = problems[0]
        raise problem(
            400,
            first[0],
            first[1],
            first[2],
            problems=[{"type": DOCS + t, "title": ti, "name": n} for t, ti, n in problems],
        )
    with ctx.state.lock:
        wid = new_id("webhook_")
        hook = {
            "webhookId": wid,
            "createdAt": now_iso(),
            "events": list(events or []),
            "url": url,
            "signatureSecret": secrets.token_hex(16),
            "_seq": ctx.state.next_seq(),
        }
        ctx.state.webhooks[wid] = hook
        return 201, clean(hook)


@router.add("GET", "/webhooks")
def list_webhooks(ctx: Ctx) -> Result:
    event = ctx.q("events")
    with ctx.state.lock:
        items = [h for h in ctx.state.webhooks.values() if event is None or event in h["events"]]
        return 200, paginate(items, ctx.query, ctx.host, "/webhooks", clean)


@router.add("GET", "/webhooks/{webhookId}")
def get_webhook(ctx: Ctx) -> Result:
    with ctx.state.lock:
        return 200, clean(_get(ctx.state.webhooks, ctx.params["webhookId"], "webhookId"))


@router.add("DELETE", "/webhooks/{webhookId}")
def delete_webhook(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.webhooks, ctx.params["webhookId"], "webhookId")
        del ctx.state.webhooks[ctx.params["webhookId"]]
    return 204, None


# --- summaries -----------------------------------------------------------------------------

SUMMARY_ATTRIBUTES = ("abstract", "takeaways")


@router.add("POST", "/summaries")
def create_summary(ctx: Ctx) -> Result:
    body = ctx.json()
    video_id = v_str(body, "videoId", required_=True)
    origin = body.get("origin")
    if origin not in (None, "auto"):
        raise invalid("origin", 'The "origin" attribute must be "auto".')
    attrs = body.get("attributes") or list(SUMMARY_ATTRIBUTES)
    if not isinstance(attrs, list) or any(a not in SUMMARY_ATTRIBUTES for a in attrs):
        raise invalid("attributes", "Allowed values: abstract, takeaways.")
    with ctx.state.lock:
        get_video(ctx.state, video_id)
        if any(s["videoId"] == video_id for s in ctx.state.summaries.values()):
            raise problem(
                409,
                "summary-already-exists",
                "A summary already exists or is being created on this video.",
                "videoId",
                "You can delete the existing summary and generate a new one.",
            )
        now = now_iso()
        sid = new_id("summary_")
        auto = origin == "auto"
        source: dict[str, Any] = {}
        if auto:
            if "abstract" in attrs:
                source["abstract"] = "An automatically generated abstract of the video."
            if "takeaways" in attrs:
                source["takeaways"] = ["First takeaway.", "Second takeaway."]
        summary = {
            "summaryId": sid,
            "createdAt": now,
            "updatedAt": now,
            "videoId": video_id,
            "origin": "auto" if auto else "api",
            "sourceStatus": "completed" if auto else "missing",
            "_source": source,
            "_seq": ctx.state.next_seq(),
        }
        ctx.state.summaries[sid] = summary
        return 201, clean(summary)


@router.add("GET", "/summaries")
def list_summaries(ctx: Ctx) -> Result:
    video_id = ctx.q("videoId")
    origin = q_enum(ctx.query, "origin", ["auto", "api"])
    status = q_enum(ctx.query, "sourceStatus", ["missing", "waiting", "failed", "completed", "unprocessable"])
    with ctx.state.lock:
        items = [
            s
            for s in ctx.state.summaries.values()
            if (video_id is None or s["videoId"] == video_id)
            and (origin is None or s["origin"] == origin)
            and (status is None or s["sourceStatus"] == status)
        ]
        items = sort_items(
            items,
            ctx.query,
            {
                "createdAt": lambda s: s["_seq"],
                "updatedAt": lambda s: s["updatedAt"],
                "videoId": lambda s: s["videoId"],
            },
        )
        return 200, paginate(items, ctx.query, ctx.host, "/summaries", clean)


@router.add("DELETE", "/summaries/{summaryId}")
def delete_summary(ctx: Ctx) -> Result:
    with ctx.state.lock:
        _get(ctx.state.summaries, ctx.params["summaryId"], "summaryId")
        del ctx.state.summaries[ctx.params["summaryId"]]
    return 204, None


@router.add("GET", "/summaries/{summaryId}/source")
def get_summary_source(ctx: Ctx) -> Result:
    with ctx.state.lock:
        summary = _get(ctx.state.summaries, ctx.params["summaryId"], "summaryId")
        return 200, dict(summary["_source"])


@router.add("PATCH", "/summaries/{summaryId}/source")
def update_summary_source(ctx: Ctx) -> Result:
    body = ctx.json()
    update: dict[str, Any] = {}
    if "abstract" in body:
        update["abstract"] = v_str(body, "abstract")
    if "takeaways" in body:
        takeaways = body["takeaways"]
        if not isinstance(takeaways, list) or not all(isinstance(t, str) for t in takeaways):
            raise invalid("takeaways", "This attribute must be an array of strings.")
        update["takeaways"] = takeaways
    with ctx.state.lock:
        summary = _get(ctx.state.summaries, ctx.params["summaryId"], "summaryId")
        summary["_source"].update({k: v for k, v in update.items() if v is not None})
        summary["sourceStatus"] = "completed"
        _stamp(summary)
        return 201, dict(summary["_source"])


# --- tags -------------------------------------------------------------------------------------


@router.add("GET", "/tags")
def list_tags(ctx: Ctx) -> Result:
    value = ctx.q("value")
    with ctx.state.lock:
        counts: dict[str, int] = {}
        for video in ctx.state.videos.values():
            for tag in set(video.data.get("tags") or []):
                counts[tag] = counts.get(tag, 0) + 1
    items = [{"value": k, "videoCount": v} for k, v in counts.items() if value is None or value.lower() in k.lower()]
    items = sort_items(
        items, ctx.query, {"value": lambda t: t["value"], "videoCount": lambda t: t["videoCount"]}, default="value"
    )
    return 200, paginate(items, ctx.query, ctx.host, "/tags")
