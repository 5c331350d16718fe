"""A complete job against the embedded emulator: authenticate, create, upload in chunks, inspect, list, delete.

Run it with ``apivideo demo`` or ``python -m apivideo.demo``. Nothing leaves this machine: the emulator listens
on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from typing import Optional, TextIO

MIB = 1024 * 1024


def run(out: Optional[TextIO] = None, size: int = 12 * MIB, chunk_size: int = 5 * MIB) -> int:
    """Run the demo, narrating each step on ``out`` (stdout by default). Returns 0 on success."""
    import apivideo
    from apivideo.api.videos_api import VideosApi
    from apivideo.configuration import Configuration
    from apivideo.model.video_creation_payload import VideoCreationPayload
    from apivideo.testing import Emulator

    out = out or sys.stdout

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    with Emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        say(f"1. Started the local api.video emulator at {emu.host}")
        config = Configuration(host=emu.host, chunk_size=chunk_size)
        with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
            say("2. Authenticated: exchanged the API key for an access token (POST /auth/api-key)")
            videos = VideosApi(client)
            video = videos.create(VideoCreationPayload(title="Demo video", tags=["demo"], public=False))
            say(f"3. Created video {video.video_id} titled {video.title!r} (POST /videos)")

            path = os.path.join(tmp, "demo.mp4")
            digest = _write_sample(path, size)
            chunks = -(-size // chunk_size)
            say(f"4. Uploading {size / MIB:.1f} MiB in {chunks} chunks of {chunk_size // MIB} MiB...")
            started = time.perf_counter()

            def progress(done: int, total: Optional[int]) -> None:
                say(f"   {done / MIB:6.1f} / {(total or done) / MIB:.1f} MiB acknowledged by the server")

            videos.upload(video.video_id, path, _progress_listener=progress)
            elapsed = time.perf_counter() - started
            match = emu.source_sha256(video.video_id) == digest
            say(f"   done in {elapsed:.2f} s; the server's copy is byte-exact: {'yes' if match else 'NO'}")

            status = videos.get_status(video.video_id)
            ingest = status.ingest
            say(
                f"5. Status: ingest {ingest.status if ingest else 'unknown'},"
                f" {ingest.filesize if ingest else '?'} bytes received, playable:"
                f" {status.encoding.playable if status.encoding else '?'} (GET /videos/{{videoId}}/status)"
            )
            listing = videos.list(tags=["demo"])
            titles = ", ".join(v.title or "" for v in listing.data)
            say(f"6. Listed videos tagged 'demo': {listing.pagination.items_total} found ({titles}) (GET /videos)")
            videos.delete(video.video_id)
            say(f"7. Deleted video {video.video_id} (DELETE /videos/{{videoId}})")
        say("8. Left the client: no background thread, no request on exit. Stopped the emulator.")
    return 0 if match else 1


def _write_sample(path: str, size: int) -> str:
    """Write ``size`` pseudo-random bytes and return their SHA-256."""
    digest = hashlib.sha256()
    block = hashlib.sha256(b"apivideo demo").digest() * (MIB // 32)
    with open(path, "wb") as f:
        left = size
        while left:
            piece = block[: min(left, len(block))]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


if __name__ == "__main__":
    sys.exit(run())
