"""The ``apivideo`` command line, run as a subprocess against the local emulator."""

from __future__ import annotations

import io
import json
import signal
import sys
import time
from pathlib import Path

import pytest
from _cli import MIB, OUTPUTS, cli, env, finish, popen, posts, sample

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.cli import Progress, main, parse_size
from apivideo.model.metadata import Metadata
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.testing import Emulator

SOURCE = r"/videos/[^/]+/source"


def source_posts(emu: Emulator) -> int:
    return posts(emu, "/source")


# -- upload --------------------------------------------------------------------------------------------------


def test_upload_in_chunks_prints_id_and_player(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 11 * MIB)
    run = cli(
        "upload", str(path), "--chunk-size", "5M", "--title", "Clip", "--tag", "a", "--tag", "b",
        "--metadata", "room=A", "--private", emu=emu,
    )  # fmt: skip
    assert run.code == 0, run
    video_id, player = run.out.splitlines()
    assert player.startswith("http") and video_id in player
    assert emu.source_sha256(video_id) == digest
    assert source_posts(emu) == 3
    assert "100.0%" in run.err and "11.0 MiB" in run.err  # plain progress lines: stderr is not a terminal
    video = VideosApi(client).get(video_id)
    assert (video.title, video.tags, video.public) == ("Clip", ["a", "b"], False)
    assert [(m.key, m.value) for m in video.metadata or []] == [("room", "A")]


def test_upload_json_and_default_title(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "small.mp4"
    digest = sample(path, 1000)
    run = cli("upload", str(path), "--json", "--concurrency", "2", emu=emu)
    assert run.code == 0, run
    video = json.loads(run.out)
    assert video["title"] == "small"  # the file name without its extension
    assert video["assets"]["player"]
    assert emu.source_sha256(video["videoId"]) == digest


def test_upload_with_token_needs_no_api_key(emu: Emulator, tmp_path: Path) -> None:
    created = cli("tokens", "create", "--ttl", "600", "--json", emu=emu)
    assert created.code == 0, created
    token = json.loads(created.out)["token"]
    path = tmp_path / "clip.mp4"
    digest = sample(path, 6 * MIB)
    emu.clear_requests()
    run = cli("upload", str(path), "--token", token, "--chunk-size", "5MiB", emu=emu, key=False)
    assert run.code == 0, run
    video_id = run.out.splitlines()[0]
    assert emu.source_sha256(video_id) == digest
    assert not any(r.path.startswith("/auth") for r in emu.requests)


def test_upload_with_token_from_the_sdk(emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path) -> None:
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    assert token
    path = tmp_path / "clip.mp4"
    digest = sample(path, 4096)
    run = cli("upload", str(path), "--token", token, "--json", emu=emu, key=False)
    assert run.code == 0, run
    assert emu.source_sha256(json.loads(run.out)["videoId"]) == digest


def test_a_failed_upload_continues_when_the_same_command_runs_again(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 11 * MIB)
    emu.inject("status", status=400, path_regex=SOURCE, skip=1)
    run = cli("upload", str(path), "--chunk-size", "5M", emu=emu)
    assert (run.code, run.out) == (1, ""), run
    lines = run.err.splitlines()
    assert lines[0] == f"uploading {path} (11.0 MiB)"
    assert any(line.startswith("error: upload of video vi") and "stopped after 5.0 MiB" in line for line in lines)
    assert lines[-2].startswith(f"{path}: video vi")
    assert lines[-2].endswith("is unfinished (5.0 MiB of 11.0 MiB acknowledged)")
    assert lines[-1] == (
        f"to continue, run the same command again: apivideo --host {emu.host} upload {path} --chunk-size 5242880"
    )
    video_id = lines[-2].split()[2]

    emu.clear_requests()
    again = cli("upload", str(path), "--chunk-size", "5M", emu=emu)
    assert again.code == 0, again
    assert again.out.splitlines()[0] == video_id
    assert f"{path}: resumed, video {video_id}" in again.err
    assert emu.source_sha256(video_id) == digest
    assert source_posts(emu) == 2  # the two chunks the server lacked; no new video
    assert posts(emu, "/videos") == 0


def test_without_the_journal_resume_names_the_video(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 11 * MIB)
    emu.inject("status", status=400, path_regex=SOURCE, skip=1)
    run = cli("upload", str(path), "--chunk-size", "5M", "--no-journal", "--tag", "t", emu=emu)
    assert run.code == 1, run
    hint = run.err.splitlines()[-1]
    assert hint.startswith(f"{path}: video vi") and "; to send the rest: apivideo --host" in hint
    command = hint.split(": ", 2)[2]
    video_id = command.split("--resume ")[1]
    assert command == f"apivideo --host {emu.host} upload {path} --chunk-size 5242880 --no-journal --resume {video_id}"
    resumed = cli(*command.split()[3:], emu=emu)  # the suggested command, as is
    assert resumed.code == 0, resumed
    assert resumed.out.splitlines()[0] == video_id
    assert emu.source_sha256(video_id) == digest


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery")
def test_ctrl_c_stops_and_prints_how_to_resume(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 11 * MIB)
    emu.inject("latency", delay=1.0, path_regex=SOURCE, skip=1)
    proc = popen("upload", str(path), "--chunk-size", "5M", emu=emu)
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while source_posts(emu) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    run = finish(proc)
    assert run.code == 130, run
    assert run.out == ""
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert "interrupted: stopping the uploads (Ctrl-C again to quit at once)" in lines
    assert lines[-3] == "interrupted"
    assert lines[-2].startswith(f"{path}: video vi") and "is unfinished" in lines[-2]
    assert lines[-1] == (
        f"to continue, run the same command again: apivideo --host {emu.host} upload {path} --chunk-size 5242880"
    )
    assert emu.api_key not in run.out + run.err
    again = cli("upload", str(path), "--chunk-size", "5M", emu=emu)
    assert again.code == 0, again
    assert again.out.splitlines()[0] == lines[-2].split()[2]
    assert emu.source_sha256(lines[-2].split()[2]) == digest


def test_upload_usage_errors(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = cli("upload", str(tmp_path / "nope.mp4"), emu=emu)
    assert (missing.code, missing.err) == (2, f"error: no such file: {tmp_path / 'nope.mp4'}\n")
    path = tmp_path / "x.mp4"
    sample(path, 10)
    host = ["--host", emu.host, "--api-key", emu.api_key]
    for args in (["--chunk-size", "1M"], ["--chunk-size", "ten"], ["--concurrency", "0"], ["--public", "--private"]):
        assert usage_error("upload", str(path), *args, *host) == 2, args  # in process: the parser alone decides
        assert capsys.readouterr().out == ""
    assert main(["upload", str(path), "--resume", "vi1", "--title", "x", *host]) == 2
    assert "--resume uploads the rest of the file only" in capsys.readouterr().err
    assert not any(r.path.startswith("/videos") for r in emu.requests)


# -- videos --------------------------------------------------------------------------------------------------


def test_videos_list_filters_pages_and_all(emu: Emulator, client: apivideo.AuthenticatedApiClient) -> None:
    api = VideosApi(client)
    kept = [
        api.create(
            VideoCreationPayload(f"keep {i}", tags=["keep"], metadata=[Metadata(key="n", value=str(i % 2))])
        ).video_id
        for i in range(5)
    ]
    api.create(VideoCreationPayload("other", tags=["other"]))

    page = cli("videos", "list", "--tag", "keep", "--page-size", "2", "--json", emu=emu)
    assert page.code == 0, page
    assert len(json.loads(page.out)) == 2

    every = cli("videos", "list", "--tag", "keep", "--page-size", "2", "--all", "--json", emu=emu)
    assert every.code == 0, every
    assert sorted(v["videoId"] for v in json.loads(every.out)) == sorted(kept)

    table = cli("videos", "list", "--tag", "keep", "--page-size", "2", "--all", "--sort-by", "title", emu=emu)
    assert table.code == 0, table
    lines = table.out.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "CREATED", "PUBLIC"]
    assert [line.split()[0] for line in lines[1:]] == kept  # sorted by title: keep 0 .. keep 4

    first = cli("videos", "list", "--tag", "keep", "--page-size", "2", emu=emu)
    assert len(first.out.splitlines()) == 3 and "page 1 of 3" in first.err

    by_meta = cli(
        "videos", "list", "--metadata", "n=1", "--sort-order", "desc", "--sort-by", "title", "--json", emu=emu
    )
    assert [v["title"] for v in json.loads(by_meta.out)] == ["keep 3", "keep 1"]

    by_title = cli("videos", "list", "--title", "other", "--json", emu=emu)
    assert [v["title"] for v in json.loads(by_title.out)] == ["other"]


def test_videos_get_status_update_delete(emu: Emulator, client: apivideo.AuthenticatedApiClient) -> None:
    api = VideosApi(client)
    video_id = api.create(VideoCreationPayload("Before", description="keep me", public=True)).video_id
    api.upload(video_id, b"x" * 2048)

    got = cli("videos", "get", video_id, emu=emu)
    assert got.code == 0, got
    assert f"id:          {video_id}" in got.out and "title:       Before" in got.out
    assert json.loads(cli("videos", "get", video_id, "--json", emu=emu).out)["videoId"] == video_id

    status = cli("videos", "status", video_id, emu=emu)
    assert status.code == 0, status
    assert "ingest:" in status.out and "2048 bytes" in status.out
    status_json = json.loads(cli("videos", "status", video_id, "--json", emu=emu).out)
    assert status_json["ingest"]["filesize"] == 2048

    updated = cli("videos", "update", video_id, "--title", "After", "--private", "--tag", "t", "--json", emu=emu)
    assert updated.code == 0, updated
    body = json.loads(updated.out)
    assert (body["title"], body["public"], body["tags"]) == ("After", False, ["t"])
    patch = [r for r in emu.requests if r.method == "PATCH"][-1]
    assert json.loads(patch.body) == {"title": "After", "public": False, "tags": ["t"]}  # only what was given
    assert api.get(video_id).description == "keep me"

    nothing = cli("videos", "update", video_id, emu=emu)
    assert nothing.code == 2 and "nothing to update" in nothing.err

    deleted = cli("videos", "delete", video_id, emu=emu)
    assert (deleted.code, deleted.out) == (0, ""), deleted
    assert f"deleted video {video_id}" in deleted.err
    with pytest.raises(apivideo.NotFoundException):
        api.get(video_id)


def test_api_error_is_one_line_and_exit_1(emu: Emulator) -> None:
    run = cli("videos", "get", "vi404", emu=emu)
    assert run.code == 1, run
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith("error: 404 The requested resource was not found. (videoId)")

    verbose = cli("--verbose", "videos", "delete", "vi404", emu=emu)
    assert verbose.code == 1
    assert "Traceback" in verbose.err and "DEBUG" in verbose.err
    assert verbose.err.splitlines()[-1].startswith("error: 404")


def test_bad_api_key_is_an_api_error_said_once(emu: Emulator) -> None:
    run = cli("--host", emu.host, "--api-key", "not-the-key", "videos", "list")
    assert run.code == 1, run
    assert run.err == "error: api.video refused the API key (400: The user credentials were incorrect.)\n"
    assert "not-the-key" not in run.err


# -- tokens --------------------------------------------------------------------------------------------------


def test_tokens_create_list_delete(emu: Emulator) -> None:
    created = cli("tokens", "create", emu=emu)
    assert created.code == 0, created
    token = created.out.strip()
    assert token.startswith("to")
    listed = cli("tokens", "list", emu=emu)
    assert listed.code == 0 and token in listed.out
    tokens_json = json.loads(cli("tokens", "list", "--all", "--json", emu=emu).out)
    assert [t["token"] for t in tokens_json] == [token]
    deleted = cli("tokens", "delete", token, emu=emu)
    assert deleted.code == 0, deleted
    assert json.loads(cli("tokens", "list", "--json", emu=emu).out) == []
    again = cli("tokens", "delete", token, emu=emu)
    assert again.code == 1 and again.err.startswith("error: 404")


# -- usage, key handling, help -------------------------------------------------------------------------------


def test_usage_errors_exit_2(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    run = cli("frobnicate", emu=emu)
    assert (run.code, run.out) == (2, "") and "usage:" in run.err, run
    for args in (["videos"], ["videos", "list", "--sort-order", "up"], ["videos", "get"], []):
        assert usage_error(*args) == 2, args  # in process, to keep the suite fast
        output = capsys.readouterr()
        assert output.out == "" and "usage:" in output.err
    assert emu.requests == []


def usage_error(*args: str) -> object:
    """The exit status of ``main(args)`` when the parser refuses the arguments (it exits)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return exited.value.code


def test_missing_api_key_exit_2(emu: Emulator) -> None:
    run = cli("videos", "list", emu=emu, key=False)
    assert run.code == 2, run
    assert run.err == "error: no API key: pass --api-key or set APIVIDEO_API_KEY\n"
    assert emu.requests == []


def test_api_key_from_environment(emu: Emulator) -> None:
    run = cli("videos", "list", "--json", emu=emu, key=False, environ=env(APIVIDEO_API_KEY=emu.api_key))
    assert (run.code, json.loads(run.out)) == (0, [])


def test_api_key_never_printed(emu: Emulator, tmp_path: Path) -> None:
    keyed = env(APIVIDEO_API_KEY=emu.api_key)
    path = tmp_path / "clip.mp4"
    sample(path, 100)
    runs = [
        cli("--help", environ=keyed),
        cli("upload", "--help", environ=keyed),
        cli("--host", emu.host, "--verbose", "upload", str(path), "--json", environ=keyed),
        cli("--host", emu.host, "--verbose", "videos", "list", "--json", environ=keyed),
        cli("--host", emu.host, "--verbose", "videos", "get", "vi404", environ=keyed),
        cli("--host", emu.host, "videos", "list", "--api-k", emu.api_key, environ=keyed),  # not an option
        cli("--host", emu.host, f"--api-key={emu.api_key}", "videos", "nope"),
        cli("videos", "list", "--host", emu.host, "--api-key", emu.api_key, "--verbose", "--bogus"),
    ]
    assert [r.code for r in runs] == [0, 0, 0, 0, 1, 2, 2, 2]
    assert "***" in runs[5].err
    for text in OUTPUTS:  # everything printed by the runs so far
        assert emu.api_key not in text


def test_version_and_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli("--version")
    assert (run.code, run.out.strip()) == (0, f"apivideo {apivideo.__version__}")
    assert "examples:" in cli("--help").out
    for command in (
        ["upload"], ["videos"], ["videos", "list"], ["videos", "get"], ["videos", "status"],
        ["videos", "update"], ["videos", "delete"], ["tokens"], ["tokens", "create"], ["tokens", "list"],
        ["tokens", "delete"], ["emulator"], ["demo"],
    ):  # fmt: skip
        try:  # in process, to keep the suite fast: argparse exits after --help; the emulator's command returns
            code = main([*command, "--help"])
        except SystemExit as exc:
            code = exc.code
        helped = capsys.readouterr().out
        assert code == 0, (command, helped)
        assert "examples:" in helped and "apivideo " in helped, command
        if len(command) == 2 or command[0] == "upload":
            assert "global options" in helped and "--host URL" in helped, command


# -- emulator and demo ---------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery")
def test_emulator_command_serves_until_ctrl_c() -> None:
    proc = popen("emulator")
    assert proc.stdout is not None
    lines = [proc.stdout.readline().decode() for _ in range(3)]
    host = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("host:"))
    key = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("api key:"))
    try:
        run = cli("--host", host, "videos", "list", "--json", environ=env(APIVIDEO_API_KEY=key))
        assert (run.code, run.out.strip()) == (0, "[]")
    finally:
        proc.send_signal(signal.SIGINT)
        stopped = finish(proc)
    assert stopped.code == 0, stopped


def test_demo_end_to_end() -> None:
    run = cli("demo")
    assert run.code == 0, run
    assert "byte-exact: yes" in run.out


# -- pieces, in process --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("10485760", 10 * MIB), ("10M", 10 * MIB), ("10MiB", 10 * MIB), ("10mb", 10 * MIB), ("512K", 512 * 1024),
     ("1.5G", 3 * 512 * MIB), ("7", 7), ("7B", 7)],
)  # fmt: skip
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "10X", "ten", "10 iB", "-5M"])
def test_parse_size_rejects(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_option_ranges_are_the_sdk_limits(client: apivideo.AuthenticatedApiClient) -> None:
    from apivideo.cli import _table
    from apivideo.configuration import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, Configuration

    assert _table.CHUNK_SIZE_RANGE == (MIN_CHUNK_SIZE, MAX_CHUNK_SIZE)
    low, high = _table.CONCURRENCY_RANGE
    Configuration(upload_concurrency=low)
    Configuration(upload_concurrency=high)
    for wrong in (low - 1, high + 1):
        with pytest.raises(apivideo.ApiValueError):
            Configuration(upload_concurrency=wrong)
    low, high = _table.PAGE_SIZE_RANGE
    for fetch in (VideosApi(client).list, UploadTokensApi(client).list):
        assert fetch(page_size=high).pagination.page_size == high
        for wrong in (low - 1, high + 1):
            with pytest.raises(apivideo.ApiValueError):
                fetch(page_size=wrong)
    low, high = _table.TTL_RANGE
    for wrong in (low - 1, high + 1):
        with pytest.raises(apivideo.ApiValueError):
            UploadTokensApi(client).create_token(TokenCreationPayload(ttl=wrong))


def test_sdk_messages_are_told_with_the_options() -> None:
    from apivideo.cli._errors import in_cli_terms
    from apivideo.cli._table import UPLOAD, VIDEOS

    videos_list, videos_get = VIDEOS.commands[:2]
    assert in_cli_terms("VideosApi.list() argument 'page_size': must be <= 100", videos_list) == (
        "--page-size: must be <= 100"
    )
    assert in_cli_terms("VideosApi.get(): 'video_id' must not be empty", videos_get) == "ID must not be empty"
    assert in_cli_terms("upload_concurrency must be an int from 1 to 16, got 17", UPLOAD).startswith(
        "--concurrency must be"
    )
    assert in_cli_terms("chunk_size must be between 5 MiB", UPLOAD) == "--chunk-size must be between 5 MiB"


def test_progress_bar_on_a_terminal_and_lines_otherwise() -> None:
    now = [0.0]
    tty = io.StringIO()
    bar = Progress(tty, tty=True, clock=lambda: now[0])
    now[0] = 1.0
    bar(5 * MIB, 20 * MIB)
    now[0] = 2.0
    bar(10 * MIB, 20 * MIB)
    bar.close()
    assert tty.getvalue().startswith("\r[######..................]   25.0%  5.0 MiB / 20.0 MiB  5.0 MiB/s  ETA 0:03")
    assert " 50.0%" in tty.getvalue() and tty.getvalue().endswith("\n")

    plain = io.StringIO()
    now[0] = 0.0
    lines = Progress(plain, tty=False, interval=1.0, clock=lambda: now[0])
    now[0] = 0.5
    lines(5 * MIB, 15 * MIB)
    now[0] = 0.7
    lines(10 * MIB, 15 * MIB)  # too soon after the previous line: skipped
    now[0] = 1.0
    lines(15 * MIB, 15 * MIB)  # the last one is always shown
    assert plain.getvalue().splitlines() == [
        "uploaded  33.3%  5.0 MiB / 15.0 MiB  10.0 MiB/s  ETA 0:01",
        "uploaded 100.0%  15.0 MiB / 15.0 MiB  15.0 MiB/s  in 0:01",
    ]
