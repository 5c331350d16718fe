"""The command line says what is wrong in its own terms, refuses what cannot work before creating anything, and
says what to run next. Each case runs the console script as a subprocess against the local emulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest
from _cli import MIB, cli, finish, popen, posts, sample

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.cli import main
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.testing import Emulator

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="named pipes, /dev/stdin and SIGINT are POSIX")


def videos_created(emu: Emulator) -> int:
    return posts(emu, "/videos") + posts(emu, "/upload")


# -- what is uploaded --------------------------------------------------------------------------------------------


def test_an_empty_file_or_stream_is_refused_before_anything_is_created(emu: Emulator, tmp_path: Path) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    run = cli("upload", str(empty), emu=emu)
    assert (run.code, run.out, run.err) == (2, "", f"error: {empty} is empty: nothing to upload\n")
    piped = cli("upload", "-", emu=emu, input=b"")
    assert (piped.code, piped.err) == (2, "error: standard input is empty: the stream ended before any byte arrived\n")
    assert emu.requests == []  # not even the key exchange: no video was left behind


@unix_only
def test_a_directory_a_device_and_a_terminal_are_named_for_what_they_are(emu: Emulator, tmp_path: Path) -> None:
    folder = cli("upload", str(tmp_path), emu=emu)
    assert (folder.code, folder.err) == (2, f"error: no file in {tmp_path}: nothing to upload\n")
    device = cli("upload", os.devnull, emu=emu)
    assert (device.code, device.err) == (2, f"error: {os.devnull} is a character device, not a video file\n")
    import pty

    leader, follower = pty.openpty()
    with os.fdopen(leader, "rb"), os.fdopen(follower, "rb") as terminal:
        typed = cli("upload", "-", emu=emu, stdin=terminal)
    assert typed.code == 2 and typed.err.startswith("error: standard input is a terminal: pipe the video in"), typed
    assert emu.requests == []


@unix_only
def test_a_named_pipe_is_uploaded_as_a_stream_in_parts(emu: Emulator, tmp_path: Path) -> None:
    fifo = tmp_path / "live.fifo"
    os.mkfifo(fifo)
    data = (b"0123456789abcdef" * (MIB // 16)) * 11 + b"tail"
    writer = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
    writer.start()
    run = cli("upload", str(fifo), "--chunk-size", "5M", "--title", "Live", emu=emu)
    writer.join(10)
    assert run.code == 0, run
    assert f"{fifo} is a stream: it is sent in parts of 5.0 MiB as they arrive" in run.err
    video_id = run.out.splitlines()[0]
    assert emu.source_sha256(video_id) == _sha256(data)
    parts = [r.headers["Content-Range"] for r in emu.requests if r.path.endswith("/source")]
    assert parts == ["part 1/*", "part 2/*", "part 3/3"]


@unix_only
@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_standard_input_is_uploaded_from_a_pipe_or_from_a_file(emu: Emulator, tmp_path: Path, name: str) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 6 * MIB)
    piped = cli("upload", name, "--chunk-size", "5M", emu=emu, input=path.read_bytes())
    assert piped.code == 0, piped
    assert "is a stream" in piped.err
    assert emu.source_sha256(piped.out.splitlines()[0]) == digest
    with open(path, "rb") as redirected:  # `apivideo upload - < clip.mp4`: a file, with its size
        from_file = cli("upload", name, "--chunk-size", "5M", "--json", emu=emu, stdin=redirected)
    assert from_file.code == 0, from_file
    assert "(6.0 MiB)" in from_file.err and "stream" not in from_file.err
    assert emu.source_sha256(json.loads(from_file.out)["videoId"]) == digest
    assert "bytes 0-5242879/6291456" in [r.headers.get("Content-Range") for r in emu.requests]


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# -- errors in the command line's terms ------------------------------------------------------------------------


def test_values_out_of_range_name_the_option_and_its_range(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    sample(path, 100)
    cases = [
        (["videos", "list", "--page-size", "500"], "videos list: error: argument --page-size: must be from 1 to 100"),
        (["upload", str(path), "--concurrency", "17"], "upload: error: argument --concurrency: must be from 1 to 16"),
    ]
    for args, message in cases:
        run = cli(*args, emu=emu)
        assert run.code == 2 and run.out == "", run
        assert run.err.splitlines()[-1] == f"apivideo {message}, got {args[-1]}", run
    assert emu.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tokens", "list", "--page-size", "0"], "argument --page-size: must be from 1 to 100, got 0"),
        (["upload", "x.mp4", "--chunk-size", "1M"], "argument --chunk-size: must be from 5 MiB to 128 MiB, got '1M'"),
        (["upload", "x.mp4", "--chunk-size", "ten"], "argument --chunk-size: invalid size 'ten'"),
        (["tokens", "create", "--ttl", "-1"], "argument --ttl: must be from 0 to 2147483647, got -1"),
        (["videos", "list", "--page", "x"], "argument --page: expected a whole number >= 1, got 'x'"),
    ],
)
def test_every_bounded_option_names_itself_and_its_range(
    args: List[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # in process: the parser alone decides
        main(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_value_the_sdk_refuses_is_told_with_the_option(emu: Emulator) -> None:
    run = cli("videos", "get", "", emu=emu)
    assert (run.code, run.out, run.err) == (2, "", "error: ID must not be empty\n")


def test_plain_http_to_another_machine_is_refused_with_the_option_that_allows_it(emu: Emulator) -> None:
    # 127.1 is this machine too, but is not written as a loopback address: the command must treat it as remote.
    remote = emu.host.replace("127.0.0.1", "127.1")
    run = cli("--host", remote, "--api-key", emu.api_key, "videos", "list")
    assert run.code == 2, run
    assert run.err == (
        f"error: refusing to send credentials over plain http to {remote}: use https, or add --allow-insecure-http"
        " if every network on the way is trusted\n"
    )
    assert emu.requests == []
    allowed = cli("videos", "list", "--json", "--host", remote, "--api-key", emu.api_key, "--allow-insecure-http")
    assert (allowed.code, json.loads(allowed.out)) == (0, []), allowed


def test_an_unreachable_host_is_named_with_the_cause(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    host = f"http://127.0.0.1:{port}"
    run = cli("--host", host, "--api-key", "some-key-1234", "videos", "list")
    assert (run.code, run.out) == (1, ""), run
    assert run.err == f"error: cannot reach {host}: connection refused\n"


def test_a_refused_api_key_is_said_once(emu: Emulator) -> None:
    run = cli("--host", emu.host, "--api-key", "not-the-key", "tokens", "list")
    assert run.code == 1, run
    assert run.err == "error: api.video refused the API key (400: The user credentials were incorrect.)\n"


# -- global options, paging ------------------------------------------------------------------------------------


def test_global_options_work_before_and_after_the_command(
    emu: Emulator, client: apivideo.AuthenticatedApiClient
) -> None:
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    after = cli("tokens", "list", "--host", emu.host, "--api-key", emu.api_key, "--json")
    before = cli("--json", "--host", emu.host, "--api-key", emu.api_key, "tokens", "list")
    for run in (after, before):
        assert run.code == 0, run
        assert [t["token"] for t in json.loads(run.out)] == [token]
    later_wins = cli("--host", "http://127.0.0.1:9", "tokens", "list", "--host", emu.host, "--api-key", emu.api_key)
    assert later_wins.code == 0 and token in later_wins.out, later_wins


def test_tokens_list_has_pages_and_says_when_there_are_more(
    emu: Emulator, client: apivideo.AuthenticatedApiClient
) -> None:
    api = UploadTokensApi(client)
    tokens = {api.create_token(TokenCreationPayload(ttl=60 * (i + 1))).token for i in range(3)}
    first = cli("tokens", "list", "--page-size", "2", "--sort-by", "ttl", emu=emu)
    assert first.code == 0, first
    assert len(first.out.splitlines()) == 3  # a header and two tokens
    assert first.err == "page 1 of 2 (3 upload tokens); --page N for another, --all for every page\n"
    second = cli("tokens", "list", "--page-size", "2", "--sort-by", "ttl", "--page", "2", "--json", emu=emu)
    every = cli("tokens", "list", "--page-size", "2", "--all", "--json", emu=emu)
    assert [t["ttl"] for t in json.loads(second.out)] == [180]
    assert {t["token"] for t in json.loads(every.out)} == tokens


# -- interruptions ---------------------------------------------------------------------------------------------


@unix_only
def test_ctrl_c_during_a_token_upload_names_the_video_and_the_same_command_continues_it(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    assert token
    path = tmp_path / "clip.mp4"
    digest = sample(path, 11 * MIB)
    emu.inject("latency", delay=1.0, path="/upload", skip=1)
    proc = popen("--host", emu.host, "upload", str(path), "--token", token, "--chunk-size", "5M")
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while posts(emu, "/upload") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    run = finish(proc)
    assert run.code == 130, run
    assert run.out == "" and "Traceback" not in run.err and token not in run.err
    (video,) = VideosApi(client).list().data  # the first part created it
    lines = run.err.splitlines()
    assert lines[-3] == "interrupted"
    assert lines[-2].startswith(f"{path}: video {video.video_id} is unfinished")
    assert lines[-1] == (
        "to continue, run the same command again (with the upload token in place of UPLOAD_TOKEN): apivideo"
        f" --host {emu.host} upload {path} --token UPLOAD_TOKEN --chunk-size 5242880"
    )
    acknowledged = {r.headers["Content-Range"] for r in emu.requests if r.path == "/upload" and r.status == 201}
    assert acknowledged  # the first chunk, at least

    emu.clear_requests()
    suggested = lines[-1].split(": ", 1)[1].split()[1:]  # the command, as printed, without "apivideo"
    again = cli(*[token if word == "UPLOAD_TOKEN" else word for word in suggested])
    assert again.code == 0, again
    assert again.out.splitlines()[0] == video.video_id
    assert f"{path}: resumed, video {video.video_id}" in again.err
    assert emu.source_sha256(video.video_id) == digest
    assert len(VideosApi(client).list().data) == 1
    sent = [r.headers["Content-Range"] for r in emu.requests if r.path == "/upload"]
    assert sent and not acknowledged & set(sent)  # only what the server lacked went again


@unix_only
def test_ctrl_c_during_a_stream_upload_says_the_video_cannot_be_completed(emu: Emulator) -> None:
    proc = popen("upload", "-", "--chunk-size", "5M", emu=emu, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"x" * 11 * MIB)  # two parts and the start of a third: the first part can go
    proc.stdin.flush()
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while not any(r.status == 201 for r in emu.requests if r.path.endswith("/source")):
        assert time.monotonic() < deadline, "the first part was not sent"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # while it waits for the rest of the stream, which stays open
    proc.wait(timeout=20)  # a Ctrl-C alone ends it: the producer of a stream may never close it
    run = finish(proc)
    assert run.code == 130, run
    (video_id,) = [r.path.split("/")[2] for r in emu.requests if r.path.endswith("/source")]
    assert run.err.splitlines()[-2:] == [
        "interrupted",
        f"video {video_id} holds only the start of the stream, which cannot be read again; remove it with:"
        f" apivideo --host {emu.host} videos delete {video_id}",
    ]


def test_ctrl_c_before_the_first_part_of_a_stream_says_the_video_received_none_of_it(
    emu: Emulator, client: apivideo.AuthenticatedApiClient
) -> None:
    proc = popen("upload", "-", "--chunk-size", "5M", emu=emu, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"x" * MIB)  # less than a part: nothing can be sent yet
    proc.stdin.flush()
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while not any(r.status == 201 and r.path == "/videos" for r in emu.requests):
        assert time.monotonic() < deadline, "the video was not created"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)
    run = finish(proc)
    assert run.code == 130, run
    assert not [r for r in emu.requests if r.path.endswith("/source")]
    (video_id,) = [v.video_id for v in VideosApi(client).list().data]
    assert run.err.splitlines()[-1] == (
        f"video {video_id} was created but received none of the stream; remove it with:"
        f" apivideo --host {emu.host} videos delete {video_id}"
    )


# -- the emulator's own command line ---------------------------------------------------------------------------


@unix_only
def test_the_emulator_command_passes_its_arguments_through(capsys: pytest.CaptureFixture[str]) -> None:
    proc = popen("emulator", "--api-key", "my-local-key", "--sink")
    assert proc.stdout is not None
    lines = [proc.stdout.readline().decode() for _ in range(3)]
    host = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("host:"))
    try:
        assert "api key: my-local-key\n" in lines
        run = cli("videos", "list", "--json", "--host", host, "--api-key", "my-local-key")
        assert (run.code, run.out.strip()) == (0, "[]"), run
    finally:
        proc.send_signal(signal.SIGINT)
        stopped = finish(proc)
    assert stopped.code == 0 and "Traceback" not in stopped.err and "interrupted" not in stopped.err, stopped
    assert main(["emulator", "--help"]) == 0
    assert "--sink" in capsys.readouterr().out
    assert main(["emulator", "--no-such-option"]) == 2  # the emulator's own parser refused it
    assert "--no-such-option" in capsys.readouterr().err
