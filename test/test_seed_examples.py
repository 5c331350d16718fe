"""Every code example of the official client's reference page for VideosApi runs as written against the emulator.

Only what cannot run offline is changed: the API key, the host, ids of objects that must exist, file paths, and
the ``//`` comments of the two progressive-upload snippets (which are not Python). The examples use ``Metadata``
without importing it, so the namespace provides it, as an interactive session following the docs would.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from apivideo.model.metadata import Metadata
from apivideo.model.video import Video
from apivideo.model.video_status import VideoStatus
from apivideo.model.videos_list_response import VideosListResponse

# The official client's own reference page is not part of this repository: it is read from a ``shared/`` folder
# beside the checkout when there is one, and the whole module is skipped otherwise.
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "VideosApi.md"
MIB = 1024 * 1024

if not SEED.is_file():
    pytest.skip(
        f"the official client's VideosApi.md (not part of this repository) was not found at {SEED}",
        allow_module_level=True,
    )


def _examples() -> dict[str, list[str]]:
    """Code blocks by method section (``# **get**`` ... up to the next section)."""
    text = SEED.read_text(encoding="utf-8")
    sections = re.split(r"^# \*\*(\w+)\*\*$", text, flags=re.M)
    out = {}
    for name, body in zip(sections[1::2], sections[2::2]):
        out[name] = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    return out


EXAMPLES = _examples()


@pytest.fixture
def world(emu, client, tmp_path):
    """Objects the examples refer to, created on the emulator, and the text substitutions that point at them."""
    from apivideo.api.upload_tokens_api import UploadTokensApi
    from apivideo.api.videos_api import VideosApi
    from apivideo.model.token_creation_payload import TokenCreationPayload
    from apivideo.model.video_creation_payload import VideoCreationPayload

    videos = VideosApi(client)
    ids = [videos.create(VideoCreationPayload(title=f"seed {i}")).video_id for i in range(3)]
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    source = tmp_path / "file.mp4"
    source.write_bytes(bytes(range(256)) * 4096 * 6)  # 6 MiB: one request at the examples' 10 MiB chunk size
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2000)
    parts = []
    for suffix, size in (("a", 5 * MIB), ("b", 5 * MIB), ("c", 123)):
        part = tmp_path / f"10m.mp4.part.{suffix}"
        part.write_bytes(bytes([ord(suffix)]) * size)
        parts.append(part)
    return {"ids": ids, "token": token, "source": source, "thumb": thumb, "tmp": tmp_path, "emu": emu}


def _adapt(code: str, world: dict, section: str, first: str = "") -> str:
    emu = world["emu"]
    code = code.replace("__API_KEY__", repr(emu.api_key))
    if "configuration=configuration" in code:
        code = code.replace("configuration = Configuration(", f"configuration = Configuration(host={emu.host!r}, ")
    else:
        code = code.replace(
            "AuthenticatedApiClient(" + repr(emu.api_key) + ")",
            f"AuthenticatedApiClient({emu.api_key!r}, configuration=Configuration(host={emu.host!r}))",
        )
        code = "from apivideo.configuration import Configuration\n" + code
    first, second = first or world["ids"][0], world["ids"][1]
    code = code.replace('"vi4k0jvEUuaTdRAEjQ4Jfrgz"', repr(first)).replace('"videoId_example"', repr(first))
    code = code.replace('"video_id_example"', repr(second)).replace('"to1tcmSFHeYY5KzyhOqVKMKb"', repr(world["token"]))
    path = world["thumb"] if "thumbnail" in section else world["source"]
    code = code.replace("'/path/to/file'", repr(str(path)))
    code = re.sub(r"'(10m\.mp4\.part\.\w)'", lambda m: repr(str(world["tmp"] / m.group(1))), code)
    code = re.sub(r";\s*//.*$", "", code, flags=re.M)  # the progressive snippets' non-Python comments
    return code


def _run(code: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<example>", "exec"), namespace)
    return out.getvalue()


SECTIONS = ["delete", "get", "get_status", "list", "update", "pick_thumbnail", "upload_with_upload_token", "create",
            "upload", "upload_thumbnail"]  # fmt: skip


@pytest.mark.parametrize("section", SECTIONS)
def test_example_runs_as_written(section, world):
    blocks = EXAMPLES.get(section)
    assert blocks, f"no example for {section}"
    namespace = {"Metadata": Metadata, "__name__": "__example__"}
    printed = _run(_adapt(blocks[0], world, section), namespace)
    assert "Exception when calling" not in printed, printed
    response = namespace.get("api_response")
    expected = {"get": Video, "get_status": VideoStatus, "list": VideosListResponse, "delete": type(None)}
    assert isinstance(response, expected.get(section, Video))
    if section == "list":
        assert response.pagination.current_page == 2 and response.pagination.page_size == 30
    if section == "delete":
        import apivideo
        from apivideo.api.videos_api import VideosApi

        with pytest.raises(apivideo.NotFoundException):
            VideosApi(namespace["api_client"]).get(world["ids"][0])
    if section in ("upload", "upload_with_upload_token"):
        import hashlib

        digest = hashlib.sha256(world["source"].read_bytes()).hexdigest()
        assert world["emu"].source_sha256(response.video_id) == digest
    if len(blocks) > 1:  # the progressive-upload snippet continues with the same api_instance
        fresh = world["ids"][2]  # a video can receive its source once: use one that has none yet
        _run(_adapt(blocks[1], world, section, first=fresh), namespace)
        video = namespace["video"]
        assert isinstance(video, Video)
        parts = b"".join((world["tmp"] / f"10m.mp4.part.{s}").read_bytes() for s in "abc")
        import hashlib

        assert world["emu"].source_sha256(video.video_id) == hashlib.sha256(parts).hexdigest()
        if section == "upload":
            assert video.video_id == fresh
