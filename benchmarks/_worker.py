"""One measurement, run in a fresh child process by ``run.py``.

Usage: ``python _worker.py TASK IMPL '{json params}'`` prints one JSON object on its last stdout line.

``IMPL`` is ``ours`` or ``official`` (whichever ``apivideo`` the running interpreter imports: the driver starts
this file with the right virtualenv's python) or ``floor`` (plain ``json`` + ``urllib3``, no SDK at all).
Tasks that compare an SDK with the floor measure both in the same process, in alternating blocks, so that
machine noise hits both alike.

This file imports nothing from the SDK at module level and must run unchanged under either SDK.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

BLOCK = 1024 * 1024

# The video shape of the API reference's list example (spec/payloads/videos/list/responses/200.json),
# used when that file is not at hand.
FALLBACK_VIDEO: Dict[str, Any] = {
    "videoId": "vi4blUQJFrYWbaG44NChkH27",
    "playerId": "pl45KFKdlddgk654dspkze",
    "title": "Maths video",
    "description": "An amazing video explaining the string theory",
    "language": "en",
    "languageOrigin": "api",
    "public": False,
    "panoramic": False,
    "mp4Support": True,
    "tags": ["maths", "string theory", "video"],
    "metadata": [{"key": "Author", "value": "John Doe"}, {"key": "Format", "value": "Tutorial"}],
    "publishedAt": "2019-12-16T08:25:51+00:00",
    "updatedAt": "2019-12-16T08:48:49+00:00",
    "discarded": False,
    "source": {"uri": "/videos/c188ed58-3403-46a2-b91b-44603d10b2c9/source"},
    "assets": {
        "iframe": '<iframe src="https://embed.api.video/vod/vi4blUQJFrYWbaG44NChkH27" width="100%" height="100%"'
        ' frameborder="0" scrolling="no" allowfullscreen=""></iframe>',
        "player": "https://embed.api.video/vod/vi4blUQJFrYWbaG44NChkH27",
        "hls": "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/hls/manifest.m3u8",
        "thumbnail": "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/thumbnail.jpg",
        "mp4": "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/mp4/source.mp4",
    },
}


# --------------------------------------------------------------------------- helpers


def build_page(example: Optional[str], count: int = 100) -> bytes:
    """A realistic ``GET /videos`` page of ``count`` videos: the reference example's videos, cycled, with
    distinct ids, titles and timestamps (so no string is shared between items by accident)."""
    samples: List[Dict[str, Any]] = [FALLBACK_VIDEO]
    if example and os.path.exists(example):
        with open(example, "rb") as fh:
            samples = json.load(fh)["data"] or samples
    data = []
    for i in range(count):
        video = json.loads(json.dumps(samples[i % len(samples)]))
        vid = f"vi{i:04d}bench{'x' * 12}{i % 10}"[:24]
        old = video["videoId"]
        text = json.dumps(video).replace(old, vid)
        video = json.loads(text)
        video["videoId"] = vid
        video["title"] = f"{video.get('title', 'video')} #{i}"
        video["publishedAt"] = f"2019-12-{1 + i % 28:02d}T08:{i % 60:02d}:51+00:00"
        video["updatedAt"] = f"2020-01-{1 + i % 28:02d}T09:{i % 60:02d}:49+00:00"
        data.append(video)
    link = "https://ws.api.video/videos?currentPage=1&pageSize=100"
    page = {
        "data": data,
        "pagination": {
            "currentPage": 1, "pageSize": count, "pagesTotal": 1, "itemsTotal": count, "currentPageItems": count,
            "links": [{"rel": "self", "uri": link}, {"rel": "first", "uri": link}, {"rel": "last", "uri": link}],
        },
    }  # fmt: skip
    return json.dumps(page).encode()


def proc_status(field: str) -> int:
    """A ``VmXXX`` line of /proc/self/status, in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def timed(fn: Callable[[], Any], n: int) -> Tuple[float, float]:
    """(CPU seconds per call, wall seconds per call) over ``n`` calls."""
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        fn()
    return (time.process_time() - c0) / n, (time.perf_counter() - w0) / n


class Floor:
    """The floor client: a bare urllib3 pool, a bearer token, ``json.loads``."""

    def __init__(self, host: str, key: str) -> None:
        import urllib3

        self.host = host
        self.pool = urllib3.PoolManager(maxsize=10)
        r = self.pool.request(
            "POST", host + "/auth/api-key", body=json.dumps({"apiKey": key}).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        self.headers = {"Accept": "application/json", "Authorization": "Bearer " + json.loads(r.data)["access_token"]}

    def get_json(self, path: str) -> Any:
        r = self.pool.request("GET", self.host + path, headers=self.headers)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}")
        return json.loads(r.data)

    def create_video(self, title: str) -> str:
        r = self.pool.request(
            "POST", self.host + "/videos", body=json.dumps({"title": title}).encode(),
            headers={**self.headers, "Content-Type": "application/json"},
        )  # fmt: skip
        return str(json.loads(r.data)["videoId"])

    def upload(self, video_id: str, path: str, chunk: int) -> Any:
        """Stream ``path`` in ``chunk``-sized multipart requests, 1 MiB blocks, exact Content-Length."""
        size = os.path.getsize(path)
        boundary = "benchfloor0123456789abcdef"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{os.path.basename(path)}"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        result = None
        with open(path, "rb") as fh:
            for offset in range(0, size, chunk):
                length = min(chunk, size - offset)

                def body(offset: int = offset, length: int = length) -> Any:
                    yield head
                    fh.seek(offset)
                    left = length
                    while left > 0:
                        block = fh.read(min(BLOCK, left))
                        left -= len(block)
                        yield block
                    yield tail

                headers = {
                    **self.headers,
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(head) + length + len(tail)),
                }
                if size > chunk:
                    headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{size}"
                r = self.pool.urlopen(
                    "POST", f"{self.host}/videos/{video_id}/source", body=body(), headers=headers, retries=False
                )
                if r.status >= 400:
                    raise RuntimeError(f"upload chunk at {offset}: HTTP {r.status} {r.data[:300]!r}")
                result = json.loads(r.data)
        return result


def sdk_client(impl: str, host: str, key: str, chunk: Optional[int] = None) -> Any:
    """An ``AuthenticatedApiClient`` built the way each SDK's users build one (not yet entered)."""
    import apivideo
    from apivideo.configuration import Configuration

    if impl == "ours":
        config = Configuration(host=host)  # ours: a configured host always wins
        if chunk:
            config.chunk_size = chunk
        return apivideo.AuthenticatedApiClient(key, configuration=config)
    # official 1.4.7: __init__ overwrites configuration.host with production/sandbox, so its users point it
    # elsewhere by setting the host on the constructed client, before ``with`` connects.
    config = Configuration(chunk_size=chunk) if chunk else Configuration()
    client = apivideo.AuthenticatedApiClient(key, configuration=config)
    client.configuration.host = host
    return client


def _median(xs: List[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


# --------------------------------------------------------------------------- tasks


def task_decode(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """CPU time to decode one 100-video page into models, alternating with ``json.loads`` of the same bytes."""
    body = build_page(p.get("example"))
    if impl == "ours":
        from apivideo.model.videos_list_response import VideosListResponse

        def decode() -> Any:
            return VideosListResponse.from_wire(json.loads(body))

    else:
        from apivideo.api_client import ApiClient
        from apivideo.model.videos_list_response import VideosListResponse

        client = ApiClient()

        class FakeResponse:  # what ApiClient.deserialize reads of a RESTResponse
            def __init__(self, data: str) -> None:
                self.data = data

            def getheader(self, name: str, default: Any = None) -> Any:
                return {"content-type": "application/json"}.get(name.lower(), default)

        def decode() -> Any:
            # the official call path: body bytes -> str (charset of Content-Type), then deserialize()
            return client.deserialize(FakeResponse(body.decode("utf-8")), (VideosListResponse,))

    page = decode()
    assert len(page.data) == 100 and page.data[7].video_id.startswith("vi0007"), "decoded page is wrong"
    assert page.pagination.items_total == 100

    def floor() -> Any:
        return json.loads(body)

    # size the blocks so that one block takes ~50 ms of CPU
    per_call = max(timed(decode, 3)[0], 1e-6)
    n_sdk = max(3, int(0.05 / per_call))
    per_floor = max(timed(floor, 20)[0], 1e-6)
    n_floor = max(20, int(0.05 / per_floor))
    sdk_cpu, floor_cpu, sdk_wall, floor_wall = [], [], [], []
    gc.collect()
    for _ in range(p.get("rounds", 7)):
        c, w = timed(floor, n_floor)
        floor_cpu.append(c)
        floor_wall.append(w)
        c, w = timed(decode, n_sdk)
        sdk_cpu.append(c)
        sdk_wall.append(w)
    return {
        "body_bytes": len(body), "sdk_cpu": _median(sdk_cpu), "floor_cpu": _median(floor_cpu),
        "sdk_wall": _median(sdk_wall), "floor_wall": _median(floor_wall), "n_sdk": n_sdk, "n_floor": n_floor,
    }  # fmt: skip


def task_memory(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """Bytes held (tracemalloc) by a decoded page vs. the same page as plain dicts from ``json.loads``."""
    import tracemalloc

    body = build_page(p.get("example"))
    if impl == "ours":
        from apivideo.model.videos_list_response import VideosListResponse

        def decode() -> Any:
            return VideosListResponse.from_wire(json.loads(body))

    else:
        from apivideo.api_client import ApiClient
        from apivideo.model.videos_list_response import VideosListResponse

        client = ApiClient()

        class FakeResponse:
            def __init__(self, data: str) -> None:
                self.data = data

            def getheader(self, name: str, default: Any = None) -> Any:
                return default

        def decode() -> Any:
            return client.deserialize(FakeResponse(body.decode("utf-8")), (VideosListResponse,))

    def held(make: Callable[[], Any]) -> int:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        obj = make()
        gc.collect()
        size = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        del obj
        return size

    decode()  # warm every lazily built class-level cache first: only per-page memory is counted
    decode_sizes = [held(decode) for _ in range(3)]
    dict_sizes = [held(lambda: json.loads(body)) for _ in range(3)]
    return {"model_bytes": min(decode_sizes), "dict_bytes": min(dict_sizes), "body_bytes": len(body)}


def task_calls(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """Per-call CPU and wall time of ``get(video_id)`` or ``list(page_size=100)``, alternating with the floor
    (urllib3 GET + ``json.loads``) on its own pool, against the same server."""
    host, key, op, n = p["host"], p["key"], p["op"], p["n"]
    floor_client = Floor(host, key)
    floor_path = f"/videos/{p['video_id']}" if op == "get" else "/videos?pageSize=100"

    def floor() -> Any:
        return floor_client.get_json(floor_path)

    client = sdk_client(impl, host, key)
    result: Dict[str, Any] = {}
    with client:
        from apivideo.api.videos_api import VideosApi

        api = VideosApi(client)
        vid = p["video_id"]
        if op == "get":

            def sdk() -> Any:
                return api.get(vid)

        else:

            def sdk() -> Any:
                return api.list(page_size=100)

        check = sdk()
        if op == "get":
            assert check.video_id == vid
        else:
            assert len(check.data) == 100, len(check.data)
        assert floor() is not None
        timed(sdk, 5)
        timed(floor, 5)
        gc.collect()
        sdk_cpu, sdk_wall, floor_cpu, floor_wall = [], [], [], []
        for _ in range(p.get("rounds", 5)):
            c, w = timed(floor, n)
            floor_cpu.append(c)
            floor_wall.append(w)
            c, w = timed(sdk, n)
            sdk_cpu.append(c)
            sdk_wall.append(w)
        result = {
            "sdk_cpu": _median(sdk_cpu), "sdk_wall": _median(sdk_wall),
            "floor_cpu": _median(floor_cpu), "floor_wall": _median(floor_wall), "n": n,
        }  # fmt: skip
    return result


def task_threads(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """``get`` calls per second with 1 thread, then with 8 threads sharing one client, for the SDK (``impl``) and
    for the floor (8 threads sharing one urllib3 pool) in this same process: short windows in turn, so that
    machine noise hits both alike. The scaling ratio (8 threads / 1 thread) is taken per round, then the median."""
    host, key, vid = p["host"], p["key"], p["video_id"]
    floor_client = Floor(host, key)
    path = f"/videos/{vid}"

    def floor_call() -> Any:
        if floor_client.get_json(path)["videoId"] != vid:
            raise RuntimeError("wrong video")

    calls: Dict[str, Callable[[], Any]] = {"floor": floor_call}
    client = None
    if impl != "floor":
        client = sdk_client(impl, host, key)
        client.__enter__()
        from apivideo.api.videos_api import VideosApi

        api = VideosApi(client)

        def sdk_call() -> Any:
            if api.get(vid).video_id != vid:
                raise RuntimeError("wrong video")

        calls[impl] = sdk_call
    try:
        return _run_threads(calls, p.get("threads", [1, 8]), p["window"], p["rounds"])
    finally:
        if client is not None:
            client.__exit__(None, None, None)


def _run_threads(
    calls: Dict[str, Callable[[], Any]], counts: List[int], window: float, rounds: int
) -> Dict[str, Any]:  # fmt: skip
    for call in calls.values():
        for _ in range(5):
            call()
    rates: Dict[str, Dict[str, List[float]]] = {name: {str(c): [] for c in counts} for name in calls}
    ratios: Dict[str, List[float]] = {name: [] for name in calls}
    errors: Dict[str, int] = {name: 0 for name in calls}
    samples: List[str] = []
    for _ in range(rounds):
        for name, call in calls.items():
            for count in counts:
                rate, failed = _window(call, count, window, samples)
                rates[name][str(count)].append(rate)
                errors[name] += failed
            ratios[name].append(rates[name][str(counts[-1])][-1] / rates[name][str(counts[0])][-1])
    return {
        "rates": {name: {c: _median(r) for c, r in by_count.items()} for name, by_count in rates.items()},
        "ratios": {name: _median(r) for name, r in ratios.items()},
        "errors": errors,
        "error_samples": samples,
    }


def _window(call: Callable[[], Any], count: int, duration: float, samples: List[str]) -> Tuple[float, int]:
    """Calls per second of ``count`` threads calling ``call`` for ``duration`` seconds, and the failures."""
    done = [0] * count
    failed = [0] * count
    start = threading.Barrier(count + 1)
    deadline = [0.0]

    def loop(i: int) -> None:
        start.wait()
        while time.perf_counter() < deadline[0]:
            try:
                call()
                done[i] += 1
            except Exception as exc:  # counted and reported
                failed[i] += 1
                if len(samples) < 5:
                    samples.append(repr(exc)[:300])

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(count)]
    for w in workers:
        w.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + duration
    start.wait()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - t0), sum(failed)


def task_upload(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """Upload ``path`` in ``chunk``-byte pieces with the SDK and with the floor, in turn, ``rounds`` times in this
    one process (who goes first alternates, starting with ``p["first"]``), so that the machine's noise, which
    changes from one process to the next, hits both alike. Each upload goes to a video of its own, made outside
    the timed part; for each: wall and CPU time, and peak RSS growth."""
    host, key, path, chunk = p["host"], p["key"], p["path"], p["chunk"]
    size = os.path.getsize(path)
    floor_client = Floor(host, key)

    def floor_upload() -> Tuple[str, Callable[[], str]]:
        vid = floor_client.create_video("bench upload")
        return vid, lambda: str(floor_client.upload(vid, path, chunk)["videoId"])

    client = sdk_client(impl, host, key, chunk)
    with client:
        from apivideo.api.videos_api import VideosApi
        from apivideo.model.video_creation_payload import VideoCreationPayload

        api = VideosApi(client)

        def sdk_upload() -> Tuple[str, Callable[[], str]]:
            vid = api.create(VideoCreationPayload(title="bench upload")).video_id
            if impl == "ours":
                return vid, lambda: str(api.upload(vid, path).video_id)  # a path: the SDK opens and closes it

            def official() -> str:
                with open(path, "rb") as fh:  # official 1.4.7 wants an open file
                    return str(api.upload(vid, fh).video_id)

            return vid, official

        out: Dict[str, Any] = {"sdk": [], "floor": []}
        order = [("sdk", sdk_upload), ("floor", floor_upload)]
        if p.get("first") == "floor":
            order.reverse()
        for _ in range(int(p.get("rounds", 1))):
            for who, prepare in order:
                vid, upload = prepare()
                result = _measure_upload(upload, vid, size)
                result["first_in_process"] = not (out["sdk"] or out["floor"])
                out[who].append(result)
            order.reverse()
        return out


def _measure_upload(upload: Callable[[], str], vid: str, size: int) -> Dict[str, Any]:
    gc.collect()
    peak_reset = reset_peak_rss()
    base = proc_status("VmRSS")
    hwm_before = proc_status("VmHWM")
    c0, w0 = time.process_time(), time.perf_counter()
    got = upload()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    hwm = proc_status("VmHWM")
    if not peak_reset:  # fall back on getrusage: the peak over the whole process life
        import resource

        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert got == vid, (got, vid)
    return {
        "video_id": vid, "size": size, "wall": wall, "cpu": cpu, "rss_base": base, "hwm_before": hwm_before,
        "hwm": hwm, "rss_growth": hwm - base, "peak_reset": peak_reset,
    }  # fmt: skip


def task_exit(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """Time spent leaving ``with AuthenticatedApiClient(...)`` after one ``get``. With ours, the floor's
    equivalent too, in the same process and first: a urllib3 pool that made the same two requests, cleared, and
    its connections closed (closing the pooled socket is most of what leaving costs)."""
    out: Dict[str, Any] = {"requests_before_exit": 2}
    if impl == "ours":
        floor = Floor(p["host"], p["key"])
        floor.get_json(f"/videos/{p['video_id']}")
        manager = floor.pool
        t0 = time.perf_counter()
        pools = [manager.pools.get(key) for key in manager.pools.keys()]  # noqa: SIM118
        manager.clear()
        for pool in pools:
            if pool is not None:
                pool.close()
        out["floor_exit_wall"] = time.perf_counter() - t0
        out["requests_before_exit"] = 4
    client = sdk_client(impl, p["host"], p["key"])
    from apivideo.api.videos_api import VideosApi

    w_enter = time.perf_counter()
    with client:
        VideosApi(client).get(p["video_id"])
        t0 = time.perf_counter()
    left = time.perf_counter() - t0
    out.update(exit_wall=left, inside_wall=t0 - w_enter)
    return out


def task_pacing(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """A bulk job of mixed calls (two reads, then a write, repeated) against limits the emulator enforces; ours
    only, with pacing on or off. Counts the answers the server refused."""
    import apivideo
    from apivideo.api.videos_api import VideosApi
    from apivideo.configuration import Configuration
    from apivideo.model.video_update_payload import VideoUpdatePayload

    config = Configuration(host=p["host"], rate_limit_pacing=p["pacing"])
    with apivideo.AuthenticatedApiClient(p["key"], configuration=config) as client:
        videos = VideosApi(client)
        video_id = p["video_id"]
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(p["calls"] // 3):
            videos.get(video_id)
            videos.list(page_size=1)
            videos.update(video_id, VideoUpdatePayload(description=f"step {i}"))
        return {"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0}


def task_journal(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """The cost of the upload journal and the integrity check: the same upload with both on, then both off,
    alternating, in one process (ours only)."""
    import tempfile

    import apivideo
    from apivideo.api.videos_api import VideosApi
    from apivideo.configuration import Configuration
    from apivideo.journal import UploadJournal
    from apivideo.model.video_creation_payload import VideoCreationPayload

    config = Configuration(host=p["host"], chunk_size=p["chunk"])
    walls: Dict[str, List[float]] = {"on": [], "off": []}
    with apivideo.AuthenticatedApiClient(p["key"], configuration=config) as client, tempfile.TemporaryDirectory() as d:
        videos = VideosApi(client)
        journal = UploadJournal(d)
        for _ in range(p["rounds"]):
            for mode in ("on", "off"):
                video_id = videos.create(VideoCreationPayload(title="bench journal")).video_id
                options = {"journal": journal, "verify": True} if mode == "on" else {"verify": False}
                w0 = time.perf_counter()
                videos.upload(video_id, p["path"], **options)
                walls[mode].append(time.perf_counter() - w0)
    return {"on": _median(walls["on"]), "off": _median(walls["off"])}


def task_throttle(impl: str, p: Dict[str, Any]) -> Dict[str, Any]:
    """An upload capped at ``rate`` bytes per second (ours only): the rate it achieved."""
    import apivideo
    from apivideo.api.videos_api import VideosApi
    from apivideo.configuration import Configuration
    from apivideo.model.video_creation_payload import VideoCreationPayload

    config = Configuration(host=p["host"], chunk_size=p["chunk"], upload_concurrency=p["concurrency"])
    with apivideo.AuthenticatedApiClient(p["key"], configuration=config) as client:
        videos = VideosApi(client)
        video_id = videos.create(VideoCreationPayload(title="bench throttle")).video_id
        size = os.path.getsize(p["path"])
        w0 = time.perf_counter()
        videos.upload(video_id, p["path"], max_bandwidth=p["rate"], verify=False)
        wall = time.perf_counter() - w0
    return {"wall": wall, "rate": size / wall, "target": p["rate"]}


TASKS = {
    "decode": task_decode,
    "memory": task_memory,
    "calls": task_calls,
    "threads": task_threads,
    "upload": task_upload,
    "exit": task_exit,
    "pacing": task_pacing,
    "journal": task_journal,
    "throttle": task_throttle,
}


def main() -> None:
    task, impl, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    out = TASKS[task](impl, json.loads(raw))
    if impl != "floor":
        import apivideo

        out["sdk_version"] = getattr(apivideo, "__version__", "?")
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
