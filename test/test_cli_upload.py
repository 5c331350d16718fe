"""``apivideo upload`` of many files: folders, a few files at a time, titles, a summary, the upload journal (a rerun
continues what stopped, even after ``kill -9``), Ctrl-C, --wait, --dry-run. Each case runs the console script as a
subprocess against the local emulator; pure argument checks run in process."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest
from _cli import COMMAND, MIB, ROOT, Run, cli, env, finish, popen, posts, sample

import apivideo
from apivideo.api.upload_tokens_api import UploadTokensApi
from apivideo.api.videos_api import VideosApi
from apivideo.cli import main
from apivideo.cli._batch import bandwidth_share
from apivideo.cli._output import Board
from apivideo.model.token_creation_payload import TokenCreationPayload
from apivideo.testing import Emulator

SOURCE = r"/videos/[^/]+/source"
STATUS = r"/videos/[^/]+/status"
unix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and SIGKILL are POSIX")


def library(root: Path, sizes: Dict[str, int]) -> Dict[str, str]:
    """Files of these sizes under ``root`` (names may hold folders); returns each name's SHA-256."""
    digests = {}
    for name, size in sizes.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        digests[name] = sample(path, size)
    return digests


def table(out: str, header: Sequence[str] = ("FILE", "VIDEO ID", "SIZE", "TIME", "RESULT")) -> List[List[str]]:
    """The rows of a table printed by the command (cells where the header's columns start), without its header."""
    lines = out.splitlines()
    starts = [lines[0].index(name) for name in header]
    assert [lines[0][a:b].strip() for a, b in zip(starts, [*starts[1:], None])] == list(header), out
    return [[line[a:b].strip() for a, b in zip(starts, [*starts[1:], None])] for line in lines[1:]]


def journal_entries(state: Path) -> List[Dict[str, Any]]:
    """The unfinished uploads the journal holds (a completed one keeps only its fingerprint and video)."""
    from apivideo.journal import UploadJournal

    return UploadJournal(state / "apivideo" / "uploads").entries()


# -- many files ----------------------------------------------------------------------------------------------------


def test_a_folder_is_uploaded_a_few_files_at_a_time_with_titles_and_a_summary(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    digests = library(root, {"01_intro.mp4": 11 * MIB, "02-setup.mp4": 3000, "extra/03 demo.mp4": 2000,
                             "notes.txt": 10, "extra/cover.jpg": 10})  # fmt: skip
    state = tmp_path / "state"
    run = cli(
        "upload", str(root), "--recursive", "--include", "*.mp4", "--jobs", "2", "--chunk-size", "5M",
        "--title-template", "Course: {stem}", "--tag", "course", "--max-bandwidth", "1G",
        emu=emu, environ=env(XDG_STATE_HOME=str(state)),
    )  # fmt: skip
    assert run.code == 0, run
    rows = table(run.out)
    assert [row[0] for row in rows] == [str(root / n) for n in ("01_intro.mp4", "02-setup.mp4", "extra/03 demo.mp4")]
    assert [(row[2], row[4]) for row in rows] == [("11.0 MiB", "uploaded"), ("2.9 KiB", "uploaded"),
                                                  ("2.0 KiB", "uploaded")]  # fmt: skip
    videos = VideosApi(client)
    for row, name in zip(rows, ("01_intro.mp4", "02-setup.mp4", "extra/03 demo.mp4")):
        video = videos.get(row[1])
        assert (video.title, video.tags) == (f"Course: {Path(name).stem}", ["course"])
        assert emu.source_sha256(row[1]) == digests[name]
    assert len(videos.list().data) == 3  # neither notes.txt nor cover.jpg
    err = run.err.splitlines()
    assert err[0] == "uploading 3 files (11.0 MiB), 2 at a time, at most 1.0 GiB/s in all"
    for row in rows:  # a line per file as it ends, then the counts
        assert any(line.startswith(f"{row[0]}: uploaded, video {row[1]}, ") for line in err), run
    assert any(line.startswith("uploaded 100.0%") and line.endswith("of 3 files done") for line in err), run
    assert err[-1] == "3 files, 11.0 MiB: 3 uploaded"
    assert journal_entries(state) == []  # every upload completed: nothing left to continue


def test_json_summary_a_failed_file_exits_1_and_the_command_for_the_files_left_continues_it(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    digests = library(tmp_path, {"a.mp4": 1000, "b.mp4": 2000})
    emu.inject("status", status=400, path_regex=SOURCE)  # a.mp4 (files go in name order with one job)
    run = cli("upload", str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"), "--json", emu=emu)
    assert run.code == 1, run
    summary = json.loads(run.out)
    assert [(s["file"], s["result"], s["size"]) for s in summary] == [
        (str(tmp_path / "a.mp4"), "failed", 1000), (str(tmp_path / "b.mp4"), "uploaded", 2000)
    ]  # fmt: skip
    failed, uploaded = summary
    assert failed["error"].startswith(f"upload of video {failed['videoId']} stopped") and "400" in failed["error"]
    assert set(failed) == {"file", "videoId", "size", "seconds", "result", "playable", "note", "error"}
    assert emu.source_sha256(uploaded["videoId"]) == digests["b.mp4"]
    hint = run.err.splitlines()[-1]
    assert hint == f"to continue the file left: apivideo --host {emu.host} upload {tmp_path / 'a.mp4'} --json"

    again = cli(*hint.split(": ", 1)[1].split()[1:], emu=emu)  # the command as printed
    assert again.code == 0, again
    assert json.loads(again.out)["videoId"] == failed["videoId"]  # one file: its video, the same one
    assert f"{failed['file']}: resumed, video {failed['videoId']}" in again.err
    assert emu.source_sha256(failed["videoId"]) == digests["a.mp4"]
    assert len(VideosApi(client).list().data) == 2


def test_a_dry_run_sends_nothing_and_tells_which_video_a_file_would_continue(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    root = tmp_path / "films"
    library(root, {"a.mp4": 11 * MIB, "b.mp4": 1000})
    emu.inject("status", status=400, path_regex=SOURCE, skip=1)
    stopped = cli("upload", str(root / "a.mp4"), "--chunk-size", "5M", emu=emu)
    assert stopped.code == 1, stopped
    (video,) = VideosApi(client).list().data

    emu.clear_requests()
    plan = cli("upload", str(root), "--chunk-size", "5M", "--dry-run", emu=emu)
    assert plan.code == 0, plan
    assert table(plan.out, ("FILE", "SIZE", "TITLE", "PLAN")) == [
        [str(root / "a.mp4"), "11.0 MiB", "a", f"would continue video {video.video_id}"],
        [str(root / "b.mp4"), "1000 B", "b", "would upload to a new video"],
    ]
    assert plan.err == "dry run: 2 files, 11.0 MiB; nothing was sent\n"
    no_key = cli("upload", str(root), "--dry-run", "--json", "--host", emu.host)  # needs no API key either
    assert [s["note"] for s in json.loads(no_key.out)] == [f"would continue video {video.video_id}",
                                                           "would upload to a new video"]  # fmt: skip
    assert emu.requests == []

    with open(root / "a.mp4", "r+b") as f:  # the file changes: its unfinished video is not continued
        f.write(b"edited")
    assert "changed since its last upload" in cli("upload", str(root / "a.mp4"), "--dry-run", emu=emu).out
    changed = cli("upload", str(root / "a.mp4"), "--chunk-size", "5M", emu=emu)
    assert changed.code == 0, changed
    assert changed.out.splitlines()[0] != video.video_id
    assert changed.err.count("changed since") == 1, changed  # said once, in the command's own words
    assert f"(changed since its upload to {video.video_id} started: uploaded to a new video)" in changed.err
    assert emu.source_sha256(changed.out.splitlines()[0]) == hashlib.sha256((root / "a.mp4").read_bytes()).hexdigest()


def test_no_verify_skips_the_status_check_after_the_last_chunk(emu: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    sample(path, 6 * MIB)
    checks = []
    for extra in ([], ["--no-verify"]):
        emu.clear_requests()
        run = cli("upload", str(path), "--chunk-size", "5M", "--no-journal", *extra, emu=emu)
        assert run.code == 0, run
        checks.append(sum(1 for r in emu.requests if r.method == "GET" and r.path.endswith("/status")))
    assert checks == [1, 0]


# -- --wait --------------------------------------------------------------------------------------------------------


def test_wait_reports_playable_videos_and_fails_the_files_that_do_not_encode(emu: Emulator, tmp_path: Path) -> None:
    library(tmp_path, {"a.mp4": 1000, "b.mp4": 1000, "c.mp4": 1000, "d.mp4": 0})
    failed = {"ingest": {"status": "uploaded"}, "encoding": {"playable": False, "qualities": [
        {"type": "hls", "quality": "720p", "status": "failed"}]}}  # fmt: skip
    encoding = {"ingest": {"status": "uploaded"}, "encoding": {"playable": False, "qualities": [
        {"type": "hls", "quality": "720p", "status": "encoding"}]}}  # fmt: skip
    emu.inject("raw", path_regex=STATUS, body=json.dumps(failed))  # a.mp4's first look
    emu.inject("raw", path_regex=STATUS, body=json.dumps(encoding), count=2)  # b.mp4: still encoding, twice
    # Neither the journal nor the check after the last chunk reads the status: only --wait does.
    run = cli("upload", str(tmp_path), "--wait", "--wait-timeout", "0.2", "--no-verify", "--no-journal", "--json",
              emu=emu)  # fmt: skip
    assert run.code == 1, run
    a, b, c, d = json.loads(run.out)
    assert (a["result"], a["playable"], a["error"]) == (
        "failed", False, f"video {a['videoId']} failed to encode in every quality"
    )  # fmt: skip
    assert (b["result"], b["playable"], b["error"]) == (
        "failed", False, f"video {b['videoId']} was not playable after 0.2 s"
    )  # fmt: skip
    assert (c["result"], c["playable"], c["error"]) == ("uploaded", True, None)
    assert (d["result"], d["videoId"], d["error"]) == ("failed", None, f"{d['file']} is empty: nothing to upload")
    assert posts(emu, "/videos") == 3  # none for the empty file
    assert f"{c['file']}: playable, video {c['videoId']}, after 0:00" in run.err
    assert "to continue" not in run.err  # every file was sent whole: nothing to continue

    one = cli("upload", str(tmp_path / "c.mp4"), "--wait", "--json", emu=emu)
    assert one.code == 0, one
    assert json.loads(one.out)["videoId"] in one.err  # one file: the video itself, once playable


# -- upload tokens -------------------------------------------------------------------------------------------------


def test_a_token_uploads_several_files_with_parallel_chunks_and_attributes_need_the_key(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    assert token
    digests = library(tmp_path, {"a.mp4": 11 * MIB, "b.mp4": 1000})
    emu.clear_requests()
    run = cli("--host", emu.host, "upload", str(tmp_path), "--token", token, "--chunk-size", "5M", "--concurrency",
              "2", "--jobs", "2", "--json")  # fmt: skip
    assert run.code == 0, run
    summary = json.loads(run.out)
    for entry, name in zip(summary, ("a.mp4", "b.mp4")):
        assert entry["result"] == "uploaded" and emu.source_sha256(entry["videoId"]) == digests[name]
    assert token not in run.err + run.out
    assert not any(r.path.startswith("/auth") for r in emu.requests)  # the token alone

    titled = cli("upload", str(tmp_path / "b.mp4"), "--token", token, "--title-template", "B: {stem}", emu=emu)
    assert titled.code == 0, titled
    assert VideosApi(client).get(titled.out.splitlines()[0]).title == "B: b"
    refused = cli("--host", emu.host, "upload", str(tmp_path), "--token", token, "--title-template", "{stem}")
    assert refused.code == 2 and "also need an API key" in refused.err, refused

    emu.inject("status", status=400, method="PATCH")  # the file goes, its title cannot be set
    untitled = cli("upload", str(tmp_path / "b.mp4"), "--token", token, "--title", "B", emu=emu)
    assert untitled.code == 1 and untitled.err.splitlines()[-1].startswith("error: 400"), untitled
    assert "to continue" not in untitled.err  # the file is there: sending it again would make a second video


# -- Ctrl-C --------------------------------------------------------------------------------------------------------


def _until(proc: subprocess.Popen[bytes], text: str) -> List[str]:
    """Read the stderr of ``proc`` line by line until a line holds ``text``; returns the lines read."""
    assert proc.stderr is not None
    lines = []
    for raw in iter(proc.stderr.readline, b""):
        lines.append(raw.decode())
        if text in lines[-1]:
            return lines
    raise AssertionError(f"{text!r} never came: {lines}")


@unix_only
def test_ctrl_c_cancels_every_running_upload_and_the_same_command_continues_them(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    root = tmp_path / "films"
    digests = library(root, {"a.mp4": 11 * MIB, "b.mp4": 11 * MIB, "c.mp4": 11 * MIB})
    emu.inject("latency", delay=1.0, path_regex=SOURCE, count=100)  # every chunk is slow to be answered
    proc = popen("upload", str(root), "--chunk-size", "5M", "--jobs", "2", emu=emu)
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while posts(emu, "/source") < 2 and time.monotonic() < deadline:  # the first chunks of a and b
        time.sleep(0.02)
    assert posts(emu, "/source") == 2, "the uploads did not start"
    proc.send_signal(signal.SIGINT)
    run = finish(proc)
    emu.clear_faults()
    # The chunks on the wire went whole, or not at all (the cancel stops them at their next block).
    held = sum(1 for r in emu.requests if r.path.endswith("/source") and r.status in (200, 201))
    assert run.code == 130, run
    assert "Traceback" not in run.err
    rows = table(run.out)  # the summary, as far as it went
    assert [(Path(r[0]).name, r[-1]) for r in rows] == [("a.mp4", "cancelled"), ("b.mp4", "cancelled"),
                                                        ("c.mp4", "cancelled")]  # fmt: skip
    lines = run.err.splitlines()
    ids = {Path(r[0]).name: r[1] for r in rows}
    assert ids["c.mp4"] == ""  # never started
    for name in ("a.mp4", "b.mp4"):
        assert any(line.startswith(f"{root / name}: video {ids[name]} is unfinished (") for line in lines), run
    assert lines[-1] == (
        f"to continue, run the same command again: apivideo --host {emu.host} upload {root} --jobs 2 --chunk-size"
        " 5242880"
    )

    emu.clear_requests()
    again = cli(*lines[-1].split(": ", 1)[1].split()[1:], emu=emu)
    assert again.code == 0, again
    rows = table(again.out)
    assert [(Path(r[0]).name, r[-1]) for r in rows] == [("a.mp4", "resumed"), ("b.mp4", "resumed"),
                                                        ("c.mp4", "uploaded")]  # fmt: skip
    assert [r[1] for r in rows[:2]] == [ids["a.mp4"], ids["b.mp4"]]
    for row in rows:
        assert emu.source_sha256(row[1]) == digests[Path(row[0]).name]
    assert len(VideosApi(client).list().data) == 3
    assert posts(emu, "/source") == 9 - held  # what a and b lacked, and c


@unix_only
def test_a_second_ctrl_c_quits_at_once_and_the_journal_still_continues_the_video(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    digest = sample(path, 1000)
    # The whole file is sent, and the answer does not come before the test ends: the command must not wait for it.
    emu.inject("latency", delay=30.0, path_regex=SOURCE)
    proc = popen("upload", str(path), emu=emu)
    _until(proc, "uploading")
    while posts(emu, "/source") < 1:
        time.sleep(0.02)
    time.sleep(0.2)  # its 1000 bytes are written: the command waits for the answer
    proc.send_signal(signal.SIGINT)
    _until(proc, "interrupted: stopping the uploads (Ctrl-C again to quit at once)")
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=20)  # before the server answers
    assert proc.stdout is not None and proc.stderr is not None
    run = Run(code, proc.stdout.read().decode(), proc.stderr.read().decode())  # the rest, past what _until read
    # 130, or killed by the second SIGINT when it came as the command was ending (a shell says 130 as well)
    assert run.code in (130, -signal.SIGINT), run
    assert "resumed" not in run.err and "uploaded," not in run.err  # it did not wait for the answer
    assert run.err.splitlines()[-1] == (
        f"to continue, run the same command again: apivideo --host {emu.host} upload {path}"
    )
    (video,) = VideosApi(client).list().data
    again = cli("upload", str(path), emu=emu)
    assert again.code == 0, again
    assert again.out.splitlines()[0] == video.video_id
    assert emu.source_sha256(video.video_id) == digest


# -- kill -9 and rerun ---------------------------------------------------------------------------------------------


@unix_only
@pytest.mark.parametrize("credential", ["api key", "upload token"])
def test_killed_at_several_points_the_same_command_ends_in_one_exact_video(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path, credential: str
) -> None:
    path = tmp_path / "film.mp4"
    size = 5 * 5 * MIB - 1234  # five chunks
    digest = sample(path, size)
    state = tmp_path / "state"
    environ = env(XDG_STATE_HOME=str(state))
    argv = [*COMMAND, "--host", emu.host, "upload", str(path), "--chunk-size", "5M"]
    if credential == "api key":
        argv[len(COMMAND):len(COMMAND)] = ["--api-key", emu.api_key]
        route = SOURCE
    else:
        token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
        assert token
        argv += ["--token", token]
        route = "/upload$"
    import re

    def chunks(since: int) -> List[Any]:  # the chunks of this file sent since then
        return [r for r in emu.requests[since:] if r.method == "POST" and re.search(route, r.path)
                and (r.headers["Content-Range"] or "").endswith(f"/{size}")]  # fmt: skip

    acknowledged: set = set()
    # Each run is killed while its Nth chunk is on the wire: with the API key from the very first chunk of the first
    # run (the video exists, nothing is acknowledged); with a token from the second (the first one's answer names the
    # video). The emulator holds that chunk unanswered for longer than the test lasts, so the run cannot go past it
    # however late the kill comes: each killed run had exactly the chunks before it acknowledged, and there is always
    # something left for the next run.
    for kill_at in ((1, 2, 1) if credential == "api key" else (2, 2)) + (None,):
        if kill_at is not None:
            emu.inject("latency", delay=30.0, method="POST", path_regex=route, skip=kill_at - 1)
        since = len(emu.requests)
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ, cwd=ROOT)
        if kill_at is not None:
            deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
            while len(chunks(since)) < kill_at and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            assert child.poll() is None, child.communicate()  # killed part way, not after it ended
            assert len(chunks(since)) == kill_at, "the upload did not get there"
            child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        emu.clear_faults()
        sent = chunks(since)
        for request in sent:  # a chunk acknowledged before the one in flight at the kill is never sent again
            assert request.headers["Content-Range"] not in acknowledged, (kill_at, request.headers["Content-Range"])
        if kill_at is not None:  # the chunks before the held one were each answered before the next one went
            assert len(sent) == kill_at and all(r.status == 201 for r in sent[:-1]), (kill_at, [r.status for r in sent])
            acknowledged |= {r.headers["Content-Range"] for r in sent[:-1]}
    assert child.returncode == 0, err.decode()
    video_id = out.decode().splitlines()[0]
    assert [v.video_id for v in VideosApi(client).list(page_size=100).data] == [video_id]  # no second video
    assert emu.source_sha256(video_id) == digest
    assert journal_entries(state) == []  # the journal is empty again


@unix_only
def test_a_token_upload_killed_once_its_last_chunk_went_out_finishes_on_the_rerun(
    emu: Emulator, client: apivideo.AuthenticatedApiClient, tmp_path: Path
) -> None:
    """The server kept the last chunk but its answer never reached the killed command: the rerun's resend of that
    chunk is refused as "already uploaded", which, for a video the journal recorded for this file, means done."""
    token = UploadTokensApi(client).create_token(TokenCreationPayload()).token
    assert token
    path = tmp_path / "film.mp4"
    digest = sample(path, 2 * 5 * MIB + 1000)  # the last chunk: 1000 bytes, written whole with its head
    environ = env(XDG_STATE_HOME=str(tmp_path / "state"))
    argv = [*COMMAND, "--host", emu.host, "upload", str(path), "--chunk-size", "5M", "--token", token]

    def uploads() -> List[Any]:
        return [r for r in emu.requests if r.path == "/upload"]

    emu.inject("latency", delay=3.0, method="POST", path="/upload", skip=2)  # the last chunk is answered late
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ, cwd=ROOT)
    deadline = time.monotonic() + 60
    while len(uploads()) < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(1.0)  # its 1000 bytes are on the wire: the command waits for the answer
    assert child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    while uploads()[-1].status is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.status for r in uploads()] == [201, 201, 201]  # the server holds the whole source
    video_id = json.loads(uploads()[-1].response_body)["videoId"]
    run = subprocess.run(argv, capture_output=True, env=environ, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().splitlines()[0] == video_id
    assert emu.source_sha256(video_id) == digest
    assert journal_entries(tmp_path / "state") == []


# -- arguments, in process -----------------------------------------------------------------------------------------


def _usage(argv: List[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The message of a usage error (exit status 2) found by the parser or by the command before any request."""
    try:
        code: object = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2, argv
    return capsys.readouterr().err.splitlines()[-1]


def test_arguments_that_cannot_work_together_are_refused_before_anything_is_sent(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library(tmp_path, {"a.mp4": 10, "b.mp4": 10, "empty.mp4": 0})
    a, b = str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4")
    key = ["--host", emu.host, "--api-key", emu.api_key]
    cases = [
        ([a, "--jobs", "17"], "argument --jobs: must be from 1 to 16, got 17"),
        ([a, "--jobs", "0"], "argument --jobs: must be from 1 to 16, got 0"),
        ([a, "--max-bandwidth", "fast"], "argument --max-bandwidth: invalid rate 'fast' (examples: 2M, 500K, 2MiB/s)"),
        ([a, "--max-bandwidth", "0"], "argument --max-bandwidth: must be at least 1 byte per second, got '0'"),
        ([a, "--wait", "--wait-timeout", "-1"], "argument --wait-timeout: must be a number of seconds > 0, got '-1'"),
        ([a, "--title", "x", "--title-template", "{stem}"], "argument --title-template: not allowed with argument"
         " --title"),
        ([a, "--no-journal", "--journal-dir", "j"], "argument --journal-dir: not allowed with argument --no-journal"),
        ([a, b, "--title", "One"], "error: --title names one video, and 2 files were found; for several files use"
         " --title-template, e.g. --title-template '{stem}'"),
        ([str(tmp_path), "--title", "One"], "error: --title names one video, and 3 files were found; for several"
         " files use --title-template, e.g. --title-template '{stem}'"),
        ([a, b, "--resume", "vi1"], "error: --resume continues the upload of one file: give one PATH"),
        ([a, "-"], "error: - (standard input) is uploaded on its own: give it as the only PATH"),
        ([a, str(tmp_path / "nope")], f"error: no such file or folder: {tmp_path / 'nope'}"),
        ([str(tmp_path), "--include", "*.mov"], f"error: no file matching *.mov in {tmp_path}: nothing to upload"),
        ([str(tmp_path / "empty.mp4")], f"error: {tmp_path / 'empty.mp4'} is empty: nothing to upload"),
        ([a, "--wait-timeout", "5"], "error: --wait-timeout is the longest --wait waits: add --wait"),
        ([a, "--title-template", "{size}"], "error: argument --title-template: '{size}' cannot be filled (KeyError:"
         " 'size'); use {stem}, {name}, {folder} or {title}, and {{ }} for braces"),
        ([a, "--token", "to1abc", "--wait"], "error: --wait needs an API key: an upload token cannot read the status"
         " of a video"),
    ]  # fmt: skip
    for args, message in cases:
        with_key = [] if "--token" in args else key
        assert _usage(["upload", *args, *with_key], capsys).endswith(message), args
    assert emu.requests == []


def test_the_bandwidth_cap_is_shared_so_that_the_files_in_flight_never_exceed_it() -> None:
    assert bandwidth_share(None, 4, 10) is None
    assert bandwidth_share(8 * MIB, 1, 10) == 8 * MIB  # one file at a time: all of it
    assert bandwidth_share(8 * MIB, 4, 10) == 2 * MIB  # four in flight: a quarter each
    assert bandwidth_share(8 * MIB, 4, 2) == 4 * MIB  # the last two files: half each
    # Four jobs, six files: whenever a file starts, the caps of the files in flight add up to at most the rate.
    caps: List[Optional[float]] = []
    running: List[float] = []
    for unfinished in (6, 6, 6, 6, 5, 4):  # the fifth starts after one ended, the sixth after another
        if len(running) == 4:
            running.pop(0)
        share = bandwidth_share(8 * MIB, 4, unfinished)
        assert share is not None
        running.append(share)
        caps.append(share)
        assert sum(running) <= 8 * MIB


def test_progress_of_many_files_is_one_bar_and_a_line_per_file() -> None:
    now = [0.0]
    screen = io.StringIO()
    board = Board(screen, 2, 20 * MIB, tty=True, clock=lambda: now[0])
    first, second = board.listener("a"), board.listener("b")
    now[0] = 1.0
    first(5 * MIB, 10 * MIB)
    second(5 * MIB, 10 * MIB)
    second(10 * MIB, 10 * MIB)
    board.line("b.mp4: uploaded, video vi2, 10.0 MiB in 0:01")
    board.close()
    first(10 * MIB, 10 * MIB)  # after close: nothing more is written
    text = screen.getvalue()
    assert "\r[######..................]   25.0%  5.0 MiB / 20.0 MiB" in text and "0 of 2 files done" in text
    assert "\r\x1b[Kb.mp4: uploaded, video vi2, 10.0 MiB in 0:01\n" in text  # the bar is cleared for the line
    assert text.rstrip("\n").endswith("75.0%  15.0 MiB / 20.0 MiB  15.0 MiB/s  ETA 0:00  1 of 2 files done\x1b[K")

    plain = io.StringIO()
    now[0] = 0.0
    lines = Board(plain, 2, 20 * MIB, tty=False, clock=lambda: now[0])
    now[0] = 1.0
    lines.listener("a")(10 * MIB, 10 * MIB)
    lines.line("a.mp4: uploaded, video vi1, 10.0 MiB in 0:01")
    lines.listener("b")(10 * MIB, 10 * MIB)
    assert plain.getvalue().splitlines() == [
        "uploaded  50.0%  10.0 MiB / 20.0 MiB  10.0 MiB/s  ETA 0:01  0 of 2 files done",
        "a.mp4: uploaded, video vi1, 10.0 MiB in 0:01",
        "uploaded 100.0%  20.0 MiB / 20.0 MiB  20.0 MiB/s  in 0:01  1 of 2 files done",
    ]


def test_the_journal_folder_is_told_when_it_cannot_be_used(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"video")
    message = _usage(["upload", str(clip), "--journal-dir", str(blocker / "j"), "--host", emu.host, "--api-key",
                      emu.api_key], capsys)  # fmt: skip
    assert message.startswith(f"error: cannot keep the upload journal in {blocker / 'j'}: ")
    assert message.endswith("; choose another folder with --journal-dir, or add --no-journal")
    assert emu.requests == []
    assert os.path.exists(blocker)
