"""Tests of the local api.video emulator, talking to it over real HTTP with urllib3."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from json import dumps as _dumps

import pytest
import urllib3

from apivideo.testing import Emulator

MIB = 1024 * 1024
CHUNK = 5 * MIB


class _Response:
    """A urllib3 response with ``json()``, which urllib3 1.26 lacks."""

    def __init__(self, resp):
        self._resp = resp

    def json(self):
        return json.loads(self._resp.data)

    def __getattr__(self, name):
        return getattr(self._resp, name)


class _Http:
    """``urllib3.PoolManager`` with the ``json=`` argument of urllib3 2 on both 1.26 and 2.x."""

    def __init__(self, **kwargs):
        self._pool = urllib3.PoolManager(**kwargs)

    def request(self, method, url, json=None, **kwargs):
        if json is not None:
            kwargs["body"] = _dumps(json).encode()
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Content-Type": "application/json"}
        return _Response(self._pool.request(method, url, **kwargs))

    def __getattr__(self, name):
        return getattr(self._pool, name)


@pytest.fixture(scope="module")
def emu():
    with Emulator() as e:
        yield e


@pytest.fixture()
def api(emu):
    emu.reset()
    emu.token_lifetime = 3600
    return Api(emu)


class Api:
    def __init__(self, emu):
        self.emu = emu
        self.http = _Http(retries=False, timeout=10)
        self._token = None

    def token(self):
        if self._token is None:
            r = self.http.request("POST", self.emu.host + "/auth/api-key", json={"apiKey": self.emu.api_key})
            assert r.status == 200, r.data
            self._token = r.json()["access_token"]
        return self._token

    def call(self, method, path, payload=None, headers=None, auth=True, body_raw=None, **kw):
        """Send ``payload`` as JSON (or ``body_raw`` as is), authenticated unless ``auth=False``."""
        h = dict(headers or {})
        if auth:
            h.setdefault("Authorization", "Bearer " + self.token())
        if payload is not None:
            body_raw = json.dumps(payload).encode()
            h["Content-Type"] = "application/json"
        if body_raw is not None:
            kw["body"] = body_raw
        return self.http.request(method, self.emu.host + path, headers=h, **kw)

    def upload(self, path, data, filename="video.mp4", content_range=None, fields=None, auth=True):
        h = {}
        if content_range:
            h["Content-Range"] = content_range
        form = dict(fields or {})
        form["file"] = (filename, data, "application/octet-stream")
        body, ctype = urllib3.encode_multipart_formdata(form)
        h["Content-Type"] = ctype
        return self.call("POST", path, headers=h, auth=auth, body_raw=body)

    def video(self, **fields):
        fields.setdefault("title", "video")
        r = self.call("POST", "/videos", fields)
        assert r.status == 201, r.data
        return r.json()


def problem_of(r, status):
    assert r.status == status, (r.status, r.data[:300])
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    return body


# --- auth ---------------------------------------------------------------------------


def test_auth_token_and_401s(api, emu):
    r = api.http.request("POST", emu.host + "/auth/api-key", json={"apiKey": emu.api_key})
    body = r.json()
    assert r.status == 200 and r.headers["Content-Type"] == "application/json"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]

    bad = api.http.request("POST", emu.host + "/auth/api-key", json={"apiKey": "nope"})
    assert problem_of(bad, 400)["name"] == "apiKey"

    assert problem_of(api.call("GET", "/videos", auth=False), 401)["type"].endswith("authentication-invalid")
    problem_of(api.call("GET", "/videos", headers={"Authorization": "Bearer wrong"}), 401)
    assert api.call("GET", "/videos").status == 200

    emu.expire_tokens()
    problem_of(api.call("GET", "/videos"), 401)


def test_token_lifetime(api, emu):
    emu.token_lifetime = 0.2
    r = api.http.request("POST", emu.host + "/auth/api-key", json={"apiKey": emu.api_key})
    assert r.json()["expires_in"] == 0
    tok = r.json()["access_token"]
    assert api.call("GET", "/videos", headers={"Authorization": "Bearer " + tok}).status == 200
    time.sleep(0.3)
    problem_of(api.call("GET", "/videos", headers={"Authorization": "Bearer " + tok}), 401)


def test_refresh(api, emu):
    first = api.http.request("POST", emu.host + "/auth/api-key", json={"apiKey": emu.api_key}).json()
    emu.expire_tokens()
    r = api.http.request("POST", emu.host + "/auth/refresh", json={"refreshToken": first["refresh_token"]})
    assert r.status == 200
    new = r.json()
    assert new["access_token"] != first["access_token"]
    assert api.call("GET", "/videos", headers={"Authorization": "Bearer " + new["access_token"]}).status == 200
    again = api.http.request("POST", emu.host + "/auth/refresh", json={"refreshToken": first["refresh_token"]})
    assert problem_of(again, 400)["name"] == "refreshToken"


def test_basic_auth(api, emu):
    good = "Basic " + base64.b64encode(f"{emu.api_key}:".encode()).decode()
    bad = "Basic " + base64.b64encode(b"other:").decode()
    assert api.call("GET", "/videos", headers={"Authorization": good}).status == 200
    problem_of(api.call("GET", "/videos", headers={"Authorization": bad}), 401)


def test_custom_api_key():
    with Emulator(api_key="k1") as e:
        http = _Http(retries=False)
        assert e.api_key == "k1"
        assert http.request("POST", e.host + "/auth/api-key", json={"apiKey": "k1"}).status == 200
        assert http.request("POST", e.host + "/auth/api-key", json={"apiKey": "emulator-api-key"}).status == 400
    e.stop()  # idempotent


# --- videos ---------------------------------------------------------------------------


def test_video_crud(api):
    v = api.video(title="Maths", tags=["a", "b"], metadata=[{"key": "k", "value": "v"}], public=False)
    vid = v["videoId"]
    assert vid.startswith("vi") and len(vid) == 24
    assert v["public"] is False and v["panoramic"] is False and v["mp4Support"] is True
    assert v["discarded"] is False and v["source"]["uri"] == f"/videos/{vid}/source"
    assert {"hls", "iframe", "player", "thumbnail", "mp4"} <= set(v["assets"])
    assert v["createdAt"].endswith("+00:00")

    problem_of(api.call("POST", "/videos", {"description": "no title"}), 400)

    r = api.call("PATCH", f"/videos/{vid}", {"description": "d", "tags": None})
    assert r.status == 200
    assert r.json()["description"] == "d" and r.json()["tags"] == [] and r.json()["title"] == "Maths"
    assert api.call("GET", f"/videos/{vid}").json()["description"] == "d"

    assert api.call("DELETE", f"/videos/{vid}").status == 204
    nf = problem_of(api.call("GET", f"/videos/{vid}"), 404)
    assert nf["name"] == "videoId" and nf["type"].endswith("resource-not-found")
    d = api.call("GET", f"/discarded/videos/{vid}").json()
    assert d["discarded"] is True and d["discardedAt"] and d["deletesAt"]
    assert api.call("GET", "/discarded/videos").json()["pagination"]["itemsTotal"] == 1
    problem_of(api.call("PATCH", f"/discarded/videos/{vid}", {"discarded": True}), 400)
    r = api.call("PATCH", f"/discarded/videos/{vid}", {"discarded": False})
    assert r.status == 200 and r.json()["discarded"] is False
    assert api.call("GET", f"/videos/{vid}").status == 200


def test_list_filters_sort_paging(api):
    a = api.video(title="alpha one", tags=["x", "y"], metadata=[{"key": "k", "value": "1"}])
    b = api.video(title="beta", tags=["x"], description="hello world")
    c = api.video(title="alpha two", metadata=[{"key": "k", "value": "2"}])

    def ids(path):
        r = api.call("GET", path)
        assert r.status == 200, r.data
        return [v["videoId"] for v in r.json()["data"]]

    assert ids("/videos") == [a["videoId"], b["videoId"], c["videoId"]]
    assert ids("/videos?title=alpha") == [a["videoId"], c["videoId"]]
    assert ids("/videos?tags[]=x&tags[]=y") == [a["videoId"]]
    assert ids("/videos?tags%5B%5D=x") == [a["videoId"], b["videoId"]]
    assert ids("/videos?metadata[k]=2") == [c["videoId"]]
    assert ids("/videos?description=world") == [b["videoId"]]
    assert ids("/videos?sortBy=title&sortOrder=desc") == [b["videoId"], c["videoId"], a["videoId"]]
    assert ids("/videos?sortBy=publishedAt&sortOrder=asc") == [a["videoId"], b["videoId"], c["videoId"]]

    r = api.call("GET", "/videos?pageSize=2&currentPage=1&title=a").json()
    p = r["pagination"]
    assert (p["itemsTotal"], p["pagesTotal"], p["pageSize"], p["currentPage"], p["currentPageItems"]) == (3, 2, 2, 1, 2)
    rels = {link["rel"]: link["uri"] for link in p["links"]}
    assert set(rels) == {"self", "first", "next", "last"}
    assert "title=a" in rels["next"] and "currentPage=2" in rels["next"]
    p2 = api.call("GET", "/videos?pageSize=2&currentPage=2").json()["pagination"]
    assert p2["currentPageItems"] == 1 and "previous" in {link["rel"] for link in p2["links"]}

    assert problem_of(api.call("GET", "/videos?pageSize=101"), 400)["name"] == "pageSize"
    body = problem_of(api.call("GET", "/videos?pageSize=0"), 400)
    assert body["problems"][0]["name"] == "pageSize"
    assert problem_of(api.call("GET", "/videos?currentPage=0"), 400)["name"] == "currentPage"
    assert problem_of(api.call("GET", "/videos?sortBy=bogus"), 400)["name"] == "sortBy"
    assert problem_of(api.call("GET", "/videos?sortOrder=up"), 400)["name"] == "sortOrder"


def test_unknown_route_and_method(api):
    assert problem_of(api.call("GET", "/nothing/here"), 404)["type"].endswith("unrecognized-request-url")
    problem_of(api.call("PUT", "/videos"), 405)


@pytest.mark.parametrize("weird", ["a/b?c#d", "../x", "sp ace%"])
def test_encoded_path_segments(api, weird):
    from urllib.parse import quote

    r = api.call("GET", "/videos/" + quote(weird, safe=""))
    body = problem_of(r, 404)
    assert body["name"] == "videoId" and weird in body["detail"]
    r = api.call("GET", "/videos/" + quote(weird, safe="") + "/status")
    assert problem_of(r, 404)["name"] == "videoId"


def test_thumbnails(api):
    vid = api.video()["videoId"]
    assert api.upload(f"/videos/{vid}/thumbnail", b"\xff\xd8jpeg", filename="t.jpg").status == 200
    assert problem_of(api.upload(f"/videos/{vid}/thumbnail", b"x", filename="t.gif"), 400)["name"] == "file"
    assert api.call("PATCH", f"/videos/{vid}/thumbnail", {"timecode": "00:00:01.500"}).status == 200
    for ok in ("04:80:72", "00:00:01:12", "124"):
        assert api.call("PATCH", f"/videos/{vid}/thumbnail", {"timecode": ok}).status == 200
    problem_of(api.call("PATCH", f"/videos/{vid}/thumbnail", {"timecode": "1 second"}), 400)


# --- uploads ---------------------------------------------------------------------------


def test_whole_upload_and_status(api, emu):
    vid = api.video()["videoId"]
    st = api.call("GET", f"/videos/{vid}/status").json()
    assert st["encoding"]["playable"] is False
    data = os.urandom(1000)
    r = api.upload(f"/videos/{vid}/source", data)
    assert r.status == 201 and r.json()["videoId"] == vid
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()
    st = api.call("GET", f"/videos/{vid}/status").json()
    assert st["ingest"]["status"] == "uploaded" and st["ingest"]["filesize"] == 1000
    assert st["encoding"]["playable"] is True and st["encoding"]["qualities"]
    again = problem_of(api.upload(f"/videos/{vid}/source", data), 400)
    assert again["type"].endswith("video-source-already-uploaded")
    assert problem_of(api.upload("/videos/vi404/source", data), 404)["name"] == "videoId"


def test_chunked_upload_repeat_and_small_chunk(api, emu):
    data = os.urandom(2 * CHUNK + 1234)
    total = len(data)
    vid = api.video()["videoId"]
    pieces = [(0, CHUNK - 1), (CHUNK, 2 * CHUNK - 1), (2 * CHUNK, total - 1)]

    # too small non-final chunk
    r = api.upload(f"/videos/{vid}/source", data[:1000], content_range=f"bytes 0-999/{total}")
    assert problem_of(r, 400)
    # inconsistent length
    r = api.upload(f"/videos/{vid}/source", data[:10], content_range=f"bytes 0-{CHUNK - 1}/{total}")
    problem_of(r, 400)

    for i, (a, b) in enumerate(pieces):
        r = api.upload(f"/videos/{vid}/source", data[a : b + 1], content_range=f"bytes {a}-{b}/{total}")
        assert r.status == 201 and r.json()["videoId"] == vid, r.data
        if i == 0:
            # chunk received again replaces (does not append)
            r = api.upload(f"/videos/{vid}/source", data[a : b + 1], content_range=f"bytes {a}-{b}/{total}")
            assert r.status == 201
            ingest = api.call("GET", f"/videos/{vid}/status").json()["ingest"]
            assert ingest["status"] == "uploading"
            assert ingest["receivedBytes"] == [{"from": 0, "to": CHUNK - 1, "total": total}]
            assert emu.source_sha256(vid) is None
            # a different TOTAL than before is refused
            r = api.upload(
                f"/videos/{vid}/source",
                data[CHUNK : 2 * CHUNK],
                content_range=f"bytes {CHUNK}-{2 * CHUNK - 1}/{total + 1}",
            )
            problem_of(r, 400)
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()
    assert len(api.call("GET", f"/videos/{vid}/status").json()["ingest"]["receivedBytes"]) == 3


def test_progressive_parts(api, emu):
    data = os.urandom(CHUNK + 10)
    vid = api.video()["videoId"]
    problem_of(api.upload(f"/videos/{vid}/source", data[:10], content_range="part 1/*"), 400)
    assert api.upload(f"/videos/{vid}/source", data[:CHUNK], content_range="part 1/*").status == 201
    parts = api.call("GET", f"/videos/{vid}/status").json()["ingest"]["receivedParts"]
    assert parts == {"parts": [1], "total": None}
    assert api.upload(f"/videos/{vid}/source", data[CHUNK:], content_range="part 2/2").status == 201
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_parts_may_announce_their_number_on_every_chunk(api, emu):
    data = os.urandom(2 * CHUNK + 10)
    vid = api.video()["videoId"]
    assert api.upload(f"/videos/{vid}/source", data[:CHUNK], content_range="part 1/3").status == 201
    assert api.upload(f"/videos/{vid}/source", data[CHUNK : 2 * CHUNK], content_range="part 2/3").status == 201
    assert emu.source_sha256(vid) is None
    problem_of(api.upload(f"/videos/{vid}/source", data[:10], content_range="part 4/3"), 400)
    assert api.upload(f"/videos/{vid}/source", data[2 * CHUNK :], content_range="part 3/3").status == 201
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_switching_from_parts_to_ranges_starts_over(api, emu):
    data = os.urandom(CHUNK + 10)
    vid = api.video()["videoId"]
    assert api.upload(f"/videos/{vid}/source", data[:CHUNK], content_range="part 1/*").status == 201
    r = api.upload(f"/videos/{vid}/source", data, content_range=f"bytes 0-{len(data) - 1}/{len(data)}")
    assert r.status == 201
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_token_uploads(api, emu):
    r = api.call("POST", "/upload-tokens", {"ttl": 60})
    assert r.status == 200
    tok = r.json()
    assert tok["token"].startswith("to") and tok["ttl"] == 60 and tok["expiresAt"]
    token = tok["token"]

    # without videoId: a new video per call, titled after the file, no auth needed
    r1 = api.upload(f"/upload?token={token}", b"one", filename="a.mp4", auth=False)
    r2 = api.upload(f"/upload?token={token}", b"two", filename="b.mp4", auth=False)
    assert r1.status == r2.status == 201
    assert r1.json()["videoId"] != r2.json()["videoId"] and r1.json()["title"] == "a.mp4"

    # with videoId: chunks go to one video
    data = os.urandom(CHUNK + 5)
    total = len(data)
    first = api.upload(f"/upload?token={token}", data[:CHUNK], auth=False, content_range=f"bytes 0-{CHUNK - 1}/{total}")
    vid = first.json()["videoId"]
    second = api.upload(
        f"/upload?token={token}",
        data[CHUNK:],
        auth=False,
        fields={"videoId": vid},
        content_range=f"bytes {CHUNK}-{total - 1}/{total}",
    )
    assert second.status == 201 and second.json()["videoId"] == vid
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()
    assert api.call("GET", "/videos").json()["pagination"]["itemsTotal"] == 3

    nf = problem_of(api.upload("/upload?token=tonope", b"x", auth=False), 404)
    assert nf["name"] == "token" and "tonope" not in json.dumps(nf)  # a token is a secret
    assert api.call("GET", f"/upload-tokens/{token}").json()["token"] == token
    assert api.call("GET", "/upload-tokens").json()["pagination"]["itemsTotal"] == 1
    problem_of(api.call("POST", "/upload-tokens", {"ttl": 2147483648}), 400)
    assert api.call("POST", "/upload-tokens", {}).json()["expiresAt"] is None  # nullable in the spec: present
    assert api.call("DELETE", f"/upload-tokens/{token}").status == 204
    problem_of(api.call("GET", f"/upload-tokens/{token}"), 404)


def test_sink_mode():
    with Emulator(sink=True) as e:
        a = Api(e)
        data = os.urandom(CHUNK + 7)
        vid = a.video()["videoId"]
        total = len(data)
        for lo, hi in ((0, CHUNK - 1), (CHUNK, total - 1)):
            r = a.upload(f"/videos/{vid}/source", data[lo : hi + 1], content_range=f"bytes {lo}-{hi}/{total}")
            assert r.status == 201
        assert e.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_chunked_transfer_encoding(api, emu):
    vid = api.video()["videoId"]
    body, ctype = urllib3.encode_multipart_formdata({"file": ("v.mp4", b"abc" * 1000)})
    r = api.call(
        "POST",
        f"/videos/{vid}/source",
        headers={"Content-Type": ctype},
        body_raw=iter([body[:100], body[100:]]),
        chunked=True,
    )
    assert r.status == 201, r.data
    assert emu.source_sha256(vid) == hashlib.sha256(b"abc" * 1000).hexdigest()


# --- faults and the log ------------------------------------------------------------------


def test_inject_status_and_retry_after(api, emu):
    api.token()
    emu.inject("status", status=503, count=1)
    assert problem_of(api.call("GET", "/videos"), 503)
    assert api.call("GET", "/videos").status == 200
    emu.inject("status", status=429, retry_after=1, method="GET", path="/videos")
    r = api.call("GET", "/videos")
    body = problem_of(r, 429)
    assert body["title"] == "Too many requests." and r.headers["X-RateLimit-Retry-After"] == "1"


def test_inject_filters_skip_and_regex(api, emu):
    vid = api.video()["videoId"]
    emu.inject("status", status=500, path="/videos/{id}/status", skip=1, count=2)
    assert api.call("GET", f"/videos/{vid}").status == 200  # does not match
    assert api.call("GET", f"/videos/{vid}/status").status == 200  # skipped
    assert api.call("GET", f"/videos/{vid}/status").status == 500
    assert api.call("GET", f"/videos/{vid}/status").status == 500
    assert api.call("GET", f"/videos/{vid}/status").status == 200
    emu.inject("status", status=502, path_regex=r"/status$", method="GET")
    assert api.call("POST", "/videos", {"title": "t"}).status == 201
    assert api.call("GET", f"/videos/{vid}/status").status == 502


def test_inject_drop(api, emu):
    api.token()
    emu.inject("drop", method="POST", path="/videos")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.call("POST", "/videos", {"title": "dropped"})
    last = emu.requests[-1]
    assert last.status is None and last.method == "POST"
    assert api.call("GET", "/videos").json()["data"] == []


def test_inject_latency_and_raw(api, emu):
    api.token()
    emu.inject("latency", delay=0.2)
    t0 = time.monotonic()
    assert api.call("GET", "/videos").status == 200
    assert time.monotonic() - t0 >= 0.2
    emu.inject("raw", status=502, body=b"<html>bad gateway</html>", content_type="text/html")
    r = api.call("GET", "/videos")
    assert r.status == 502 and r.data == b"<html>bad gateway</html>"
    assert r.headers["Content-Type"] == "text/html"
    assert emu.requests[-1].status == 502
    with pytest.raises(ValueError):
        emu.inject("explode")


def test_request_log(api, emu):
    api.token()
    emu.clear_requests()
    api.call("GET", "/videos?title=a%20b&tags[]=x")
    big = os.urandom(2 * MIB)
    vid = api.video()["videoId"]
    api.upload(f"/videos/{vid}/source", big)
    reqs = emu.requests
    assert [r.method for r in reqs] == ["GET", "POST", "POST"]
    first = reqs[0]
    assert first.path == "/videos" and first.raw_path == "/videos?title=a%20b&tags%5B%5D=x"
    assert first.query == [("title", "a b"), ("tags[]", "x")]
    assert first.headers["authorization"].startswith("Bearer ") and first.status == 200
    assert json.loads(reqs[1].body) == {"title": "video"} and reqs[1].status == 201
    assert reqs[2].body_size > 2 * MIB and len(reqs[2].body) == 64 * 1024
    reqs[0].status = 999  # snapshot copies
    assert emu.requests[0].status == 200
    emu.clear_requests()
    assert emu.requests == []


def test_reset(api, emu):
    api.video()
    emu.inject("status", status=500)
    emu.reset()
    api._token = None
    assert api.call("GET", "/videos").json()["data"] == []


# --- other resources ----------------------------------------------------------------------


def test_other_resources_smoke(api):
    ls = api.call("POST", "/live-streams", {"name": "live"})
    assert ls.status == 200 and ls.json()["liveStreamId"].startswith("li")
    lid = ls.json()["liveStreamId"]
    assert api.call("PUT", f"/live-streams/{lid}/complete").status == 202
    assert api.call("GET", "/live-streams?name=li").json()["pagination"]["itemsTotal"] == 1
    assert api.upload(f"/live-streams/{lid}/thumbnail", b"img", filename="a.png").status == 201
    assert api.call("DELETE", f"/live-streams/{lid}/thumbnail").status == 200
    problem_of(api.call("POST", "/live-streams", {"name": "x", "restreams": [{"name": ""}]}), 400)

    vid = api.video(tags=["t1", "t2"])["videoId"]
    api.video(tags=["t1"])
    cap = api.upload(f"/videos/{vid}/captions/en", b"WEBVTT", filename="en.vtt")
    assert cap.status == 200 and cap.json()["srclang"] == "en" and cap.json()["languageName"] == "English"
    assert api.call("PATCH", f"/videos/{vid}/captions/en", {"default": True}).json()["default"] is True
    assert api.call("GET", f"/videos/{vid}/captions").json()["pagination"]["itemsTotal"] == 1
    problem_of(api.call("GET", f"/videos/{vid}/captions/e1"), 400)
    assert api.call("DELETE", f"/videos/{vid}/captions/en").status == 204
    assert api.upload(f"/videos/{vid}/chapters/fr", b"WEBVTT", filename="fr.vtt").json()["language"] == "fr"
    assert api.call("GET", f"/videos/{vid}/chapters").json()["data"][0]["language"] == "fr"

    tags = api.call("GET", "/tags").json()["data"]
    assert tags == [{"value": "t1", "videoCount": 2}, {"value": "t2", "videoCount": 1}]

    pl = api.call("POST", "/players", {"name": "theme"})
    assert pl.status == 201 and pl.json()["enableApi"] is True
    pid = pl.json()["playerId"]
    logo = api.upload(f"/players/{pid}/logo", b"img", filename="l.png", fields={"link": "https://x.y"})
    assert logo.status == 201 and logo.json()["assets"]["link"] == "https://x.y"
    assert api.call("DELETE", f"/players/{pid}/logo").status == 204

    wm = api.upload("/watermarks", b"img", filename="w.png")
    assert wm.status == 200 and wm.json()["watermarkId"].startswith("watermark_")
    assert api.call("DELETE", f"/watermarks/{wm.json()['watermarkId']}").status == 204

    wh = api.call("POST", "/webhooks", {"events": ["video.encoding.quality.completed"], "url": "https://h.example"})
    assert wh.status == 201 and wh.json()["signatureSecret"]
    problem_of(api.call("POST", "/webhooks", {}), 400)

    s = api.call("POST", "/summaries", {"videoId": vid, "origin": "auto"})
    assert s.status == 201
    sid = s.json()["summaryId"]
    problem_of(api.call("POST", "/summaries", {"videoId": vid}), 409)
    assert api.call("PATCH", f"/summaries/{sid}/source", {"abstract": "A"}).json()["abstract"] == "A"
    assert api.call("GET", f"/summaries/{sid}/source").json()["abstract"] == "A"

    m = api.call("GET", "/data/metrics/play/count").json()
    assert m["context"]["metric"] == "play" and isinstance(m["data"], float)
    assert problem_of(api.call("GET", "/data/metrics/bogus/count"), 400)["name"] == "metric"
    b = api.call("GET", "/data/buckets/play/media-type").json()
    assert b["pagination"]["itemsTotal"] == 2
    # points are aligned on the interval: a day that does not start on the hour spans 25 hours
    ts = api.call("GET", "/data/timeseries/play?interval=hour").json()
    assert ts["context"]["interval"] == "hour" and ts["pagination"]["itemsTotal"] in (24, 25)
    problem_of(api.call("GET", "/data/buckets/play/nope"), 400)


def _serve(*args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "apivideo.testing", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_cli_serves_until_ctrl_c():
    proc = _serve(
        "--api-key", "cli-key", "--enforce-rate-limits", "--rate-limit", "read=2", "--rate-limit-window", "30"
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        host = next(x.split()[-1] for x in lines if x.startswith("host:"))
        assert any("cli-key" in x for x in lines)
        assert lines[3] == "rate limits (enforced, per 30 s): upload 100, write 200, read 2\n"
        http = _Http(retries=False)
        r = http.request("POST", host + "/auth/api-key", json={"apiKey": "cli-key"})
        assert r.status == 200
        bearer = {"Authorization": "Bearer " + r.json()["access_token"]}
        statuses = [http.request("GET", host + "/videos", headers=bearer).status for _ in range(3)]
        assert statuses == [200, 200, 429]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert out.strip().splitlines()[-1] == "api.video emulator stopped (Ctrl-C)"


def test_cli_stops_on_sigterm_as_soon_as_it_is_ready():
    """The handlers are in place before the host is printed: a signal sent at once still stops it cleanly."""
    proc = _serve()
    try:
        lines = [proc.stdout.readline() for _ in range(4)]  # written at once
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert lines[0].startswith("api.video emulator listening on http://127.0.0.1:")
    assert lines[3] == "rate limits (advertised, per 60 s): upload 100, write 200, read 500\n"
    assert out.strip().splitlines()[-1] == "api.video emulator stopped (SIGTERM)"


def test_cli_flags_configure_the_emulator(capsys):
    from apivideo.testing.__main__ import build_parser, main

    with pytest.raises(SystemExit) as exit_:
        main(["--help"], prog="apivideo emulator")
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: apivideo emulator") and "apivideo emulator --enforce-rate-limits" in help_text
    with pytest.raises(SystemExit):
        main(["--rate-limit", "read"], prog="apivideo emulator")
    assert "apivideo emulator: error: argument --rate-limit" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--rate-limit-window", "0"])
    assert "rate_limit_window" in capsys.readouterr().err
    args = build_parser("x").parse_args(["--sandbox-rate-limits", "--encoding-time", "2.5", "--log-limit", "50"])
    assert (args.sandbox_rate_limits, args.encoding_time, args.log_limit) == (True, 2.5, 50)
