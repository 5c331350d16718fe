"""Encoding as the emulator simulates it: the qualities of a video move from waiting to encoding to encoded.

Once the last byte of a source arrives, the qualities are encoded one after the other over ``encoding_time``
seconds (each takes an equal share; 0 encodes everything at once). A video is playable as soon as one HLS quality
is encoded. A video marked to fail sees each quality fail when it would have been encoded, and never becomes
playable.
"""

from __future__ import annotations

import time
from typing import Any

from ._uploads import SourceUpload

# (type, quality) in encoding order: what a 1280x720 source yields.
LADDER = (("hls", "360p"), ("hls", "720p"), ("mp4", "720p"))

METADATA = {
    "width": 1280,
    "height": 720,
    "bitrate": 1500.0,
    "duration": 10,
    "framerate": 25,
    "samplerate": 48000,
    "videoCodec": "h264",
    "audioCodec": "aac",
    "aspectRatio": "16/9",
}


def encoding_status(upload: SourceUpload, mp4: bool, now: float | None = None) -> dict[str, Any]:
    """The ``encoding`` object of ``GET /videos/{videoId}/status`` for ``upload`` at ``now`` (monotonic)."""
    if not upload.complete or upload.completed_at is None:
        return {"playable": False, "qualities": [], "metadata": dict.fromkeys(METADATA)}
    ladder = [q for q in LADDER if mp4 or q[0] != "mp4"]
    elapsed = (time.monotonic() if now is None else now) - upload.completed_at
    share = upload.encoding_time / len(ladder)
    done = "failed" if upload.encoding_fails else "encoded"
    qualities = []
    for i, (kind, quality) in enumerate(ladder):
        if share <= 0 or elapsed >= (i + 1) * share:
            state = done
        elif elapsed >= i * share:
            state = "encoding"
        else:
            state = "waiting"
        qualities.append({"type": kind, "quality": quality, "status": state})
    playable = any(q["type"] == "hls" and q["status"] == "encoded" for q in qualities)
    return {"playable": playable, "qualities": qualities, "metadata": dict(METADATA)}
