"""The emulator's uploads over time: ingest as the status reports it, lost chunks, encoding, sink hashing, the log."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time

import pytest
import urllib3
from _raw_emulator import RawClient

from apivideo.testing import Emulator

MIB = 1024 * 1024
CHUNK = 5 * MIB


@pytest.fixture(scope="module")
def shared():
    with Emulator() as e:
        yield e


@pytest.fixture()
def emu(shared):
    shared.reset()
    yield shared
    shared.reset()


class Client(RawClient):
    def send(self, vid, data, content_range=None, path=None):
        body, ctype = urllib3.encode_multipart_formdata({"file": ("movie.mp4", data)})
        headers = {"Content-Type": ctype}
        if content_range:
            headers["Content-Range"] = content_range
        return self("POST", path or f"/videos/{vid}/source", headers=headers, body=body)

    def chunk(self, vid, data, start, length):
        end = min(start + length, len(data)) - 1
        r = self.send(vid, data[start : end + 1], f"bytes {start}-{end}/{len(data)}")
        assert r.status == 201, r.data[:300]
        return r

    def status(self, vid):
        return self.json("GET", f"/videos/{vid}/status")


# --- ingest ---------------------------------------------------------------------------------


def test_status_reports_ingest_during_and_after_a_chunked_upload(emu):
    c = Client(emu)
    data = os.urandom(2 * CHUNK + 10)
    total = len(data)
    vid = c.video()
    assert c.status(vid)["ingest"] == {"filesize": None, "receivedBytes": []}  # nothing received yet
    c.chunk(vid, data, CHUNK, CHUNK)  # the middle chunk first
    ingest = c.status(vid)["ingest"]
    assert ingest == {
        "status": "uploading",
        "filesize": total,
        "receivedBytes": [{"from": CHUNK, "to": 2 * CHUNK - 1, "total": total}],
    }
    c.chunk(vid, data, 0, CHUNK)
    c.chunk(vid, data, 2 * CHUNK, CHUNK)
    ingest = c.status(vid)["ingest"]
    assert ingest["status"] == "uploaded" and ingest["filesize"] == total
    assert ingest["receivedBytes"] == [  # one range per chunk, "to" inclusive
        {"from": 0, "to": CHUNK - 1, "total": total},
        {"from": CHUNK, "to": 2 * CHUNK - 1, "total": total},
        {"from": 2 * CHUNK, "to": total - 1, "total": total},
    ]
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_status_of_a_whole_file_and_of_parts(emu):
    c = Client(emu)
    vid = c.video()
    assert c.send(vid, b"x" * 1000).status == 201
    assert c.status(vid)["ingest"] == {
        "status": "uploaded",
        "filesize": 1000,
        "receivedBytes": [{"from": 0, "to": 999, "total": 1000}],
    }
    data = os.urandom(CHUNK + 3)
    vid = c.video()
    assert c.send(vid, data[:CHUNK], "part 1/*").status == 201
    assert c.status(vid)["ingest"] == {  # the size is unknown until the last part
        "status": "uploading",
        "filesize": None,
        "receivedBytes": [],
        "receivedParts": {"parts": [1], "total": None},
    }
    assert c.send(vid, data[CHUNK:], "part 2/2").status == 201
    ingest = c.status(vid)["ingest"]
    assert ingest["filesize"] == len(data) and ingest["receivedParts"] == {"parts": [1, 2], "total": 2}
    assert ingest["receivedBytes"] == [
        {"from": 0, "to": CHUNK - 1, "total": len(data)},
        {"from": CHUNK, "to": len(data) - 1, "total": len(data)},
    ]


# --- a lost chunk ------------------------------------------------------------------------------


def test_a_lost_chunk_is_answered_but_not_kept(emu):
    c = Client(emu)
    data = os.urandom(2 * CHUNK + 10)
    total = len(data)
    vid = c.video()
    emu.inject("lose", skip=1)  # the second upload request
    assert c("GET", "/videos").status == 200  # not an upload: the fault stays queued
    first = c.chunk(vid, data, 0, CHUNK)
    assert c.send(vid, b"too small", f"bytes {CHUNK}-{CHUNK + 8}/{total}").status == 400  # refused: not lost
    lost = c.chunk(vid, data, CHUNK, CHUNK)
    assert json.loads(lost.data)["videoId"] == vid  # answered as if kept
    c.chunk(vid, data, 2 * CHUNK, CHUNK)
    assert first.status == lost.status == 201
    ingest = c.status(vid)["ingest"]
    assert ingest["status"] == "uploading" and ingest["filesize"] == total
    assert [(r["from"], r["to"]) for r in ingest["receivedBytes"]] == [(0, CHUNK - 1), (2 * CHUNK, total - 1)]
    assert emu.source_sha256(vid) is None and emu.source_bytes(vid) is None
    assert [r.injected for r in emu.requests if r.path.endswith("/source")] == [None, None, "lose", None]

    c.chunk(vid, data, CHUNK, CHUNK)  # sending it again completes the source
    assert c.status(vid)["ingest"]["status"] == "uploaded"
    assert emu.source_bytes(vid) == data


def test_a_lost_part_leaves_a_gap_in_the_parts(emu):
    c = Client(emu)
    data = os.urandom(2 * CHUNK + 10)
    vid = c.video()
    emu.inject("lose", path="/videos/{id}/source", skip=1)
    for n, piece in enumerate((data[:CHUNK], data[CHUNK : 2 * CHUNK], data[2 * CHUNK :]), start=1):
        assert c.send(vid, piece, f"part {n}/3").status == 201
    ingest = c.status(vid)["ingest"]
    assert ingest["status"] == "uploading" and ingest["receivedParts"] == {"parts": [1, 3], "total": 3}
    assert c.send(vid, data[CHUNK : 2 * CHUNK], "part 2/3").status == 201
    assert emu.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_a_lost_token_upload(emu):
    c = Client(emu)
    token = c.json("POST", "/upload-tokens", {})["token"]
    emu.inject("lose")
    r = c.send(None, b"abc", path=f"/upload?token={token}")
    assert r.status == 201
    vid = json.loads(r.data)["videoId"]
    assert "status" not in c.status(vid)["ingest"] and emu.source_sha256(vid) is None


# --- encoding ----------------------------------------------------------------------------------


def test_encoding_takes_the_configured_time(emu):
    c = Client(emu)
    emu.configure(encoding_time=60)
    slow = c.video()
    c.send(slow, b"x" * 100)
    encoding = c.status(slow)["encoding"]
    assert encoding["playable"] is False and encoding["metadata"]["width"] == 1280
    assert [(q["type"], q["quality"], q["status"]) for q in encoding["qualities"]] == [
        ("hls", "360p", "encoding"),
        ("hls", "720p", "waiting"),
        ("mp4", "720p", "waiting"),
    ]
    emu.configure(encoding_time=0.2)  # applies to sources completed from now on
    fast = c.video(mp4Support=False)
    c.send(fast, b"x" * 100)
    time.sleep(0.25)
    encoding = c.status(fast)["encoding"]
    assert encoding["playable"] is True
    assert [(q["quality"], q["status"]) for q in encoding["qualities"]] == [("360p", "encoded"), ("720p", "encoded")]
    assert c.status(slow)["encoding"]["playable"] is False


def test_encoding_steps(emu):
    """Each quality takes an equal share of the encoding time; playable once an HLS quality is encoded."""
    from apivideo.testing._encoding import encoding_status
    from apivideo.testing._uploads import SourceUpload

    up = SourceUpload()
    up.complete, up.completed_at, up.encoding_time = True, 100.0, 3.0

    def at(t):
        status = encoding_status(up, mp4=True, now=100.0 + t)
        return status["playable"], [q["status"] for q in status["qualities"]]

    assert at(0) == (False, ["encoding", "waiting", "waiting"])
    assert at(1.5) == (True, ["encoded", "encoding", "waiting"])
    assert at(2.5) == (True, ["encoded", "encoded", "encoding"])
    assert at(3) == (True, ["encoded", "encoded", "encoded"])
    up.encoding_fails = True
    assert at(1.5) == (False, ["failed", "encoding", "waiting"])
    assert at(9) == (False, ["failed", "failed", "failed"])


def test_an_encoding_can_be_made_to_fail(emu):
    c = Client(emu)
    emu.fail_encoding()  # the next source to complete
    failed, fine = c.video(), c.video()
    c.send(failed, b"abc")
    c.send(fine, b"abc")
    encoding = c.status(failed)["encoding"]
    assert encoding["playable"] is False and {q["status"] for q in encoding["qualities"]} == {"failed"}
    assert c.status(fine)["encoding"]["playable"] is True
    emu.fail_encoding(fine)  # or a given video, even after the fact
    assert {q["status"] for q in c.status(fine)["encoding"]["qualities"]} == {"failed"}
    with pytest.raises(KeyError):
        emu.fail_encoding("vi-unknown")


def test_default_encoding_is_immediate(emu):
    c = Client(emu)
    vid = c.video()
    c.send(vid, b"abc")
    assert c.status(vid)["encoding"]["playable"] is True


# --- sink mode -----------------------------------------------------------------------------------


@pytest.fixture()
def sink():
    with Emulator(sink=True) as e:
        yield e


@pytest.mark.parametrize("order", [(2, 0, 1), (1, 2, 0), (2, 1, 0)])
def test_sink_hashes_chunks_received_out_of_order(sink, order):
    c = Client(sink)
    data = os.urandom(2 * CHUNK + 77)
    vid = c.video()
    for i in order:
        c.chunk(vid, data, i * CHUNK, CHUNK)
    assert sink.source_sha256(vid) == hashlib.sha256(data).hexdigest()
    assert sink.source_bytes(vid) is None  # nothing kept


def test_sink_hashes_parallel_chunks_and_parts(sink):
    c = Client(sink, maxsize=4)
    data = os.urandom(4 * CHUNK + 5)
    vid = c.video()
    threads = [threading.Thread(target=c.chunk, args=(vid, data, i * CHUNK, CHUNK)) for i in range(5)]
    for t in reversed(threads):
        t.start()
    for t in threads:
        t.join()
    assert sink.source_sha256(vid) == hashlib.sha256(data).hexdigest()

    vid = c.video()
    pieces = [data[:CHUNK], data[CHUNK : 2 * CHUNK], data[2 * CHUNK :]]
    for n in (3, 1, 2):
        assert c.send(vid, pieces[n - 1], f"part {n}/3").status == 201
    assert sink.source_sha256(vid) == hashlib.sha256(data).hexdigest()


def test_sink_spills_to_disk_beyond_its_memory_budget(sink, monkeypatch):
    from apivideo.testing import _sink

    monkeypatch.setattr(_sink.BUDGET, "limit", CHUNK // 2)  # less than one chunk: every chunk set aside spills
    c = Client(sink)
    data = os.urandom(3 * CHUNK + 1)
    vid = c.video()
    for i in (3, 2, 1, 0):
        c.chunk(vid, data, i * CHUNK, CHUNK)
    assert sink.source_sha256(vid) == hashlib.sha256(data).hexdigest()
    assert _sink.BUDGET.used == 0  # everything set aside was released


def test_sink_gives_back_what_a_refused_chunk_set_aside(sink):
    from apivideo.testing import _sink

    c = Client(sink)
    data = os.urandom(2 * CHUNK)
    vid = c.video()
    assert c.send(vid, data[:10], f"bytes {CHUNK}-{2 * CHUNK - 1}/{2 * CHUNK}").status == 400  # 10 bytes, not 5 MiB
    token = c.json("POST", "/upload-tokens", {})["token"]
    body, ctype = urllib3.encode_multipart_formdata({"videoId": "vi-unknown", "file": ("m.mp4", data[CHUNK:])})
    headers = {"Content-Type": ctype, "Content-Range": f"bytes {CHUNK}-{2 * CHUNK - 1}/{2 * CHUNK}"}
    assert c("POST", f"/upload?token={token}", headers=headers, body=body).status == 404
    assert _sink.BUDGET.used == 0


# --- the request log -------------------------------------------------------------------------------


def test_the_log_is_capped_and_keeps_the_answers():
    with Emulator(log_limit=4, log_body_limit=100) as e:
        c = Client(e)
        for i in range(6):
            c("POST", "/videos", {"title": f"video {i}", "description": "d" * 500})
        log = e.requests
        assert [r.body[:19] for r in log] == [f'{{"title": "video {i}"'.encode() for i in range(2, 6)]
        last = log[-1]
        assert last.body_size > 500 and len(last.body) == 100 and last.body.startswith(b'{"title": "video 5"')
        assert last.status == 201 and len(last.response_body) == 100
        assert last.response_headers["Content-Type"] == "application/json"
        assert last.response_headers["X-RateLimit-Limit"] == "200"
        e.configure(log_limit=2)
        assert len(e.requests) == 2
        e.reset()  # back to the constructor's limits
        assert e.settings["log_limit"] == 4 and e.settings["log_body_limit"] == 100


def test_answers_without_content(emu):
    c = Client(emu)
    live = c.json("POST", "/live-streams", {"name": "l"})["liveStreamId"]
    r = c("PUT", f"/live-streams/{live}/complete")
    assert r.status == 202 and r.data == b"" and "Content-Type" not in r.headers
    rec = emu.requests[-1]
    assert "Content-Type" not in rec.response_headers and rec.response_headers["Content-Length"] == "0"
    r = c("DELETE", f"/live-streams/{live}")
    assert r.status == 204 and "Content-Type" not in r.headers


def test_nullable_fields_are_present(emu):
    c = Client(emu)
    video = c.json("GET", f"/videos/{c.video()}")
    assert video["discardedAt"] is None and video["deletesAt"] is None
    assert "language" not in video and "playerId" not in video  # not nullable in the spec: left out
    assert c.json("POST", "/upload-tokens", {})["expiresAt"] is None


# --- finding a video by its metadata -----------------------------------------------------------------


def test_list_filters_by_exact_metadata_pairs(emu):
    c = Client(emu)
    digest = "sha256:" + hashlib.sha256(b"movie").hexdigest()
    wanted = c.video(metadata=[{"key": "fingerprint", "value": digest}, {"key": "size", "value": "1 234"}])
    c.video(metadata=[{"key": "fingerprint", "value": digest + "0"}])  # a longer value
    c.video(metadata=[{"key": "Fingerprint", "value": digest}])  # another key
    c.video(metadata=[{"key": "fingerprint", "value": digest[:-1]}])  # a shorter value
    c.video()

    def found(query):
        body = c.json("GET", "/videos?" + query)
        assert body["pagination"]["itemsTotal"] == len(body["data"])
        return [v["videoId"] for v in body["data"]]

    from urllib.parse import urlencode  # the pairs encoded as a client encodes them

    assert found(urlencode({"metadata[fingerprint]": digest})) == [wanted]
    assert found(urlencode({"metadata[fingerprint]": digest, "metadata[size]": "1 234"})) == [wanted]
    assert found(urlencode({"metadata[fingerprint]": digest, "metadata[size]": "1234"})) == []
    assert found(urlencode({"metadata[fingerprint]": "sha256:"})) == []
    assert found(urlencode({"metadata[fingerprint]": digest, "title": "v"})) == [wanted]
    assert len(found("")) == 5
