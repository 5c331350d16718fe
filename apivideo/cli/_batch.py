"""``apivideo upload``: the command, and the upload of files, one or many. Each file goes to a video of its own
through the SDK's library functions (:func:`apivideo.library.upload_file`, or ``upload_with_upload_token`` with a
token) and the upload journal, a few files at a time. Progress for all of them together, a line per file as it
ends, a summary at the end. Ctrl-C cancels every running upload at its next block, and says how to continue each
unfinished file: with the journal, by running the command again (for the files left).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from apivideo._threads import start as start_deaf
from apivideo.cli._context import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, Context, UsageError
from apivideo.cli._errors import describe_error, in_cli_terms
from apivideo.cli._output import Board, duration, human_bytes, keep_secret, note, print_json, print_table
from apivideo.cli._upload import check_options, named_files, print_video, title_for, upload_stream, video_fields

if TYPE_CHECKING:
    from apivideo.api_client import ApiClient
    from apivideo.journal import UploadJournal
    from apivideo.model.video_creation_payload import VideoCreationPayload

CANCELLED = "cancelled"  # a result of the command line's own: stopped by Ctrl-C, or never started because of it
DEFAULT_WAIT = 600.0
# The attributes of a video: left out of a suggested command that continues an existing video.
ATTRIBUTES = ("--title", "--title-template", "--description", "--tag", "--metadata", "--public", "--private")


def cmd_upload(ctx: Context) -> int:
    args = ctx.args
    keep_secret(args.token)
    fields = video_fields(ctx)
    check_options(ctx, fields)
    fields.pop("title", None)  # each file has its own (title_for)
    named = named_files(ctx)
    if isinstance(named, list):
        if args.title and len(named) > 1:
            raise UsageError(
                f"--title names one video, and {len(named)} files were found; for several files use"
                " --title-template, e.g. --title-template '{stem}'"
            )
        single = len(args.paths) == 1 and not os.path.isdir(args.paths[0])
        jobs = [Job(path, os.path.getsize(path)) for path in named]
        return Batch(ctx, jobs, fields, single).main()
    source = named
    try:
        if not source.is_stream:  # standard input redirected from a file: sent as that file, without the journal
            job = Job("-", source.size or 0, file=source.file, label=source.label)
            return Batch(ctx, [job], fields, single=True).main()
        return upload_stream(ctx, source, fields)
    finally:
        source.close()


class Job:
    """One file of the command: what it is, what happened to it (``result``, a library FileResult), and where it
    stands (``stage``: pending, uploading, waiting, done)."""

    def __init__(self, path: str, size: int, file: Any = None, label: Optional[str] = None) -> None:
        from apivideo.library import FileResult

        self.result = FileResult(path, size)
        self.file = file  # an open file (standard input redirected from a file), else None: result.path is read
        self.label = label or path
        self.stage = "pending"
        self.sent = False  # every byte reached the server
        self.acknowledged: Optional[int] = None  # what the server held when the upload stopped part way
        self.playable: Optional[bool] = None
        self.video: Any = None  # the Video an upload returned, when it did


def bandwidth_share(rate: Optional[int], jobs: int, unfinished: int) -> Optional[float]:
    """The cap of a file that starts now, so that together the files never exceed ``rate``: ``rate`` divided by
    the number of files that may be in flight with it (``jobs`` at most, fewer when fewer are left). A file that
    started earlier got at most as much, so the sum stays under ``rate`` while the last files get more of it."""
    if not rate:
        return None
    return rate / max(1, min(jobs, unfinished))


class Batch:
    """Upload ``jobs`` with the options of ``ctx``; ``single``: the command named one file, whose video is the
    result (otherwise a summary of every file is)."""

    def __init__(self, ctx: Context, jobs: List[Job], fields: Dict[str, Any], single: bool) -> None:
        from apivideo.journal import UploadJournal

        self.ctx, self.args, self.jobs, self.fields, self.single = ctx, ctx.args, jobs, fields, single
        self.book: Optional[UploadJournal] = None if self.args.no_journal else UploadJournal(self.args.journal_dir)
        self.workers = min(self.args.jobs or 1, len(jobs))
        self.cancel = threading.Event()
        self.changed = threading.Event()
        self.lock = threading.Lock()
        self.next = 0
        self.unfinished = len(jobs)
        self.total = sum(job.result.size for job in jobs)
        self.board = Board(sys.stderr, len(jobs), self.total)
        self.client: Optional[ApiClient] = None  # authenticated with the API key
        self.anonymous: Optional[ApiClient] = None  # for an upload token

    # -- the command -------------------------------------------------------------------------------------------

    def main(self) -> int:
        if self.args.dry_run:
            return self.dry_run()
        self._check_journal()
        ctx, args = self.ctx, self.args
        pool = max(10, self.workers * (args.concurrency or 1) + 2)  # a connection for every part in flight
        need_key = not args.token or self.attributes or args.wait
        from contextlib import ExitStack

        with ExitStack() as stack:
            if need_key:
                self.client = stack.enter_context(ctx.client(connection_pool_maxsize=pool))
            if args.token:
                self.anonymous = stack.enter_context(ctx.anonymous_client(connection_pool_maxsize=pool))
            self._announce()
            try:
                self.run()
            except KeyboardInterrupt:  # a second Ctrl-C: quit now, with what is known
                ctx.hints += self.hints()
                raise
            return self.report()

    @property
    def attributes(self) -> bool:
        return bool(self.fields or self.args.title or self.args.title_template)

    def _check_journal(self) -> None:
        if self.book is None:
            return
        try:
            self.book.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot keep the upload journal in {self.book.directory}: {exc.strerror or exc}; choose another"
                " folder with --journal-dir, or add --no-journal"
            ) from None

    def _announce(self) -> None:
        rate = self.args.max_bandwidth
        cap = f", at most {human_bytes(rate)}/s" + (" in all" if self.workers > 1 else "") if rate else ""
        how = " with an upload token" if self.args.token else ""
        if len(self.jobs) == 1:
            job = self.jobs[0]
            note(f"uploading {job.label} ({human_bytes(job.result.size)}){how}{cap}")
        else:
            at_once = f", {self.workers} at a time" if self.workers > 1 else ""
            note(f"uploading {len(self.jobs)} files ({human_bytes(self.total)}){at_once}{how}{cap}")

    # -- running the uploads -----------------------------------------------------------------------------------

    def run(self) -> None:
        """Start the workers and wait for them, answering Ctrl-C: the first one cancels every upload (each stops
        within one block, resumable), a second one quits at once."""
        threads = [threading.Thread(target=self.work, name=f"apivideo-file-{i}", daemon=True)
                   for i in range(self.workers)]  # fmt: skip
        previous = self._catch_sigint()
        try:
            for thread in threads:
                start_deaf(thread)  # Ctrl-C reaches this thread's handler at once, whatever the workers do
            told = False
            while not self.settled():
                self.changed.wait(0.2)
                self.changed.clear()
                if self.cancel.is_set() and not told:
                    told = True
                    self.board.line("interrupted: stopping the uploads (Ctrl-C again to quit at once)", ended=False)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            self.board.close()

    def _catch_sigint(self) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return None  # signals are for the main thread only (a caller running main() in a thread)

        def on_sigint(signum: int, frame: Any) -> None:
            if self.cancel.is_set():
                raise KeyboardInterrupt
            self.cancel.set()

        return signal.signal(signal.SIGINT, on_sigint)

    def settled(self) -> bool:
        """Every file is done, or the uploads were cancelled and none is still sending (a file waiting for its
        encoding is not waited for)."""
        with self.lock:
            if self.cancel.is_set():
                return not any(job.stage == "uploading" for job in self.jobs)
            return self.unfinished == 0

    def work(self) -> None:
        while True:
            with self.lock:
                if self.next >= len(self.jobs) or self.cancel.is_set():
                    return
                job = self.jobs[self.next]
                self.next += 1
                job.stage = "uploading"
                share = bandwidth_share(self.args.max_bandwidth, self.workers, self.unfinished)
            self.changed.set()
            self.upload(job, share)
            if job.sent and self.args.wait and not self.cancel.is_set():
                job.stage = "waiting"
                self.changed.set()
                self.wait(job)
            with self.lock:
                job.stage = "done"
                self.unfinished -= 1
            self.changed.set()

    def upload(self, job: Job, share: Optional[float]) -> None:
        from apivideo.exceptions import ApiValueError, UploadCancelled
        from apivideo.library import FAILED

        result = job.result
        options: Dict[str, Any] = {"cancel": self.cancel, "_progress_listener": self.board.listener(id(job))}
        if share:
            options["max_bandwidth"] = share
        if self.args.no_verify:
            options["verify"] = False
        started = time.monotonic()
        try:
            if result.size == 0:  # refused before a video is created for it
                raise ApiValueError(f"{job.label} is empty: nothing to upload")
            if self.args.token:
                self.send_with_token(job, options)
            else:
                self.send_with_key(job, options)
            job.sent = True
        except UploadCancelled as exc:
            result.status, result.error = CANCELLED, "cancelled"
            result.video_id = exc.video_id or result.video_id
            job.acknowledged = exc.bytes_acknowledged
        except Exception as exc:  # each file on its own: one that fails does not stop the others
            result.status, result.error = FAILED, self.error_text(job, exc)
            result.video_id = getattr(exc, "video_id", None) or result.video_id
            job.acknowledged = getattr(exc, "bytes_acknowledged", None)
            self.trace(exc)
        result.seconds = time.monotonic() - started
        self.board.line(self.end_line(job), ended=not (job.sent and self.args.wait))

    def send_with_key(self, job: Job, options: Dict[str, Any]) -> None:
        from apivideo.api.videos_api import VideosApi
        from apivideo.library import RESUMED, UPLOADED, upload_file

        assert self.client is not None
        result, videos = job.result, VideosApi(self.client)
        if self.args.resume:
            result.video_id = self.args.resume
            journal = self.book if self.book is not None and job.file is None else False
            job.video = videos.upload(self.args.resume, job.file or result.path, resume=True, journal=journal,
                                      **options)  # fmt: skip
            result.status = RESUMED
        elif job.file is None:
            done = upload_file(self.client, result.path, payload=self.payload(job), journal=self.book or False,
                               **options)  # fmt: skip
            result.status, result.video_id, result.note = done.status, done.video_id, done.note
        else:
            result.video_id = videos.create(self.payload(job)).video_id
            job.video = videos.upload(result.video_id, job.file, **options)
            result.status = UPLOADED

    def send_with_token(self, job: Job, options: Dict[str, Any]) -> None:
        """An upload token sends the file; the journal entry of the file, opened here, tells whether it continues
        the video of an unfinished upload, or the file changed since."""
        from apivideo.api.videos_api import VideosApi
        from apivideo.library import RESUMED, UPLOADED

        assert self.anonymous is not None
        result, config = job.result, self.anonymous.configuration
        entry = None
        if self.book is not None and job.file is None:
            entry = self.book.open(config.host, result.path, config.chunk_size)
        try:
            result.status = UPLOADED
            if self.args.resume or (entry is not None and entry.video_id):
                result.status = RESUMED
                result.video_id = self.args.resume or (entry.video_id if entry is not None else None)
            if entry is not None and entry.replaced_video:
                result.note = f"changed since its upload to {entry.replaced_video} started: uploaded to a new video"
            job.video = VideosApi(self.anonymous).upload_with_upload_token(
                self.args.token, job.file or result.path, video_id=self.args.resume,
                journal=entry if entry is not None else False, **options,
            )  # fmt: skip
        finally:
            if entry is not None:
                entry.release()  # a no-op once the upload completed: the entry is gone
        result.video_id = job.video.video_id
        job.sent = True  # whatever happens to the attributes, the file is there: a rerun must not send it again
        if self.attributes and self.client is not None:  # the token sends the file only; the attributes need the key
            from apivideo.model.video_update_payload import VideoUpdatePayload

            attributes: Dict[str, Any] = dict(self.fields)
            if self.args.title or self.args.title_template:
                attributes["title"] = title_for(self.ctx, result.path)
            job.video = VideosApi(self.client).update(result.video_id, VideoUpdatePayload(**attributes))

    def payload(self, job: Job) -> VideoCreationPayload:
        from apivideo.model.video_creation_payload import VideoCreationPayload

        return VideoCreationPayload(title=title_for(self.ctx, job.result.path), **self.fields)

    def wait(self, job: Job) -> None:
        """Wait until the video of ``job`` is playable; a video that fails to encode, or is not playable in time,
        makes the file fail."""
        from apivideo.exceptions import EncodingFailed
        from apivideo.library import FAILED, wait_until_playable

        result, video_id = job.result, job.result.video_id
        assert self.client is not None and video_id is not None
        started = time.monotonic()
        try:
            wait_until_playable(self.client, video_id, timeout=self.args.wait_timeout or DEFAULT_WAIT)
            job.playable = True
            line = f"{job.label}: playable, video {video_id}, after {duration(time.monotonic() - started)}"
        except Exception as exc:
            job.playable = False if isinstance(exc, EncodingFailed) else None
            result.status, result.error = FAILED, self.error_text(job, exc)
            line = self.end_line(job)
            self.trace(exc)
        self.board.line(line)

    # -- what is said --------------------------------------------------------------------------------------------

    def error_text(self, job: Job, exc: BaseException) -> str:
        from apivideo.exceptions import ApiException, EncodingFailed, OpenApiException

        if isinstance(exc, EncodingFailed):
            return str(exc)
        if isinstance(exc, ApiException):
            return describe_error(exc, self.ctx.host)
        if isinstance(exc, OpenApiException):  # a value the SDK refused, or the journal (another process uploads)
            return in_cli_terms(str(exc), self.ctx.command)
        if isinstance(exc, OSError):
            where = f" {exc.filename}" if exc.filename else ""
            return f"cannot read or write{where}: {exc.strerror or exc}"
        return f"{type(exc).__name__}: {exc}"

    def trace(self, exc: BaseException) -> None:
        if self.args.verbose:
            self.board.line("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(), False)

    def end_line(self, job: Job) -> str:
        """``clip.mp4: uploaded, video vi..., 11.0 MiB in 0:03``, or what failed (``error: ...`` for one file)."""
        result = job.result
        if result.status == CANCELLED:
            if not result.video_id:
                return f"{job.label}: cancelled before its video was created"
            held = f"{human_bytes(job.acknowledged or 0)} of {human_bytes(result.size)} acknowledged"
            return f"{job.label}: cancelled, video {result.video_id}, {held}"
        if result.error is not None:
            return f"error: {result.error}" if self.single else f"{job.label}: failed: {result.error}"
        text = f"{job.label}: {result.status}, video {result.video_id}, {human_bytes(result.size)} in"
        text += f" {duration(result.seconds)}"
        if result.note:
            text += f" ({result.note})"
        if self.args.wait:
            text += "; waiting until it is playable"
        return text

    def report(self) -> int:
        """The result on stdout (the video of a single file, or the summary), the counts and what to run next on
        stderr; the exit status."""
        from apivideo.library import FAILED

        interrupted = self.cancel.is_set()
        for job in self.jobs:
            if job.stage == "pending":
                job.result.status, job.result.error = CANCELLED, "not started"
        failed = any(job.result.status in (FAILED, CANCELLED) for job in self.jobs)
        if self.single:
            job = self.jobs[0]
            if not failed:
                print_video(self.ctx, self.video_of(job))
        elif self.args.json:
            print_json([self.summary(job) for job in self.jobs])
        else:
            print_table(("FILE", "VIDEO ID", "SIZE", "TIME", "RESULT"), [self.row(job) for job in self.jobs])
        if not self.single:
            counts: Dict[str, int] = {}
            for job in self.jobs:
                counts[job.result.status] = counts.get(job.result.status, 0) + 1
            told = ", ".join(f"{n} {status}" for status, n in counts.items())
            note(f"{len(self.jobs)} files, {human_bytes(self.total)}: {told}")
        if interrupted:
            note("interrupted")
        for hint in self.hints():
            note(hint)
        return EXIT_INTERRUPTED if interrupted else EXIT_API if failed else EXIT_OK

    def video_of(self, job: Job) -> Any:
        if self.client is not None and (job.video is None or self.args.wait):
            from apivideo.api.videos_api import VideosApi

            assert job.result.video_id is not None
            return VideosApi(self.client).get(job.result.video_id)
        return job.video

    def row(self, job: Job) -> List[str]:
        result = job.result
        outcome = result.status + (", playable" if job.playable else "")
        return [job.label, result.video_id or "", human_bytes(result.size), duration(result.seconds), outcome]

    def summary(self, job: Job) -> Dict[str, Any]:
        result = job.result
        return {"file": job.label, "videoId": result.video_id, "size": result.size,
                "seconds": round(result.seconds, 3), "result": result.status, "playable": job.playable,
                "note": result.note, "error": result.error}  # fmt: skip

    def hints(self) -> List[str]:
        """For each file not uploaded whole: its video, and the command that continues it. With the journal that
        is the same command again (for the files left); without it, a --resume per video."""
        left = [job for job in self.jobs if not job.sent and job.result.size > 0]  # an empty file would fail again
        if not left:
            return []
        token = " (with the upload token in place of UPLOAD_TOKEN)" if self.args.token else ""
        lines = []
        if self.book is None or any(job.file is not None for job in left):
            fresh = [job for job in left if not job.result.video_id]
            for job in left:
                if job in fresh:
                    continue
                what = "to send the file to it again" if self.args.token else "to send the rest"
                stdin = ", with the same file on standard input" if job.file is not None else ""
                lines.append(f"{job.label}: video {job.result.video_id} {self.held(job)}; {what}{stdin}{token}:"
                             f" {self.command([job.result.path], resume=job.result.video_id)}")  # fmt: skip
            if fresh:
                lines.append(f"to send the files not started{token}: {self.command([j.result.path for j in fresh])}")
            return lines
        for job in left:
            if job.result.video_id:
                lines.append(f"{job.label}: video {job.result.video_id} {self.held(job)}")
        if len(left) == len(self.jobs):
            lines.append(f"to continue, run the same command again{token}: {self.command(self.args.paths)}")
        else:
            which = "the file left" if len(left) == 1 else f"the {len(left)} files left"
            lines.append(f"to continue {which}{token}: {self.command([job.result.path for job in left])}")
        return lines

    def held(self, job: Job) -> str:
        if job.acknowledged is None:
            return "is unfinished"
        return f"is unfinished ({human_bytes(job.acknowledged)} of {human_bytes(job.result.size)} acknowledged)"

    def command(self, paths: Sequence[str], resume: Optional[str] = None) -> str:
        """The ``apivideo upload`` command for ``paths`` with the options of this one (an upload token in the
        form of UPLOAD_TOKEN), and ``--resume VIDEO_ID``."""
        words = [f"./{p}" if p.startswith("-") and p != "-" else p for p in paths]
        for arg in self.ctx.command.args:
            if not arg.flag.startswith("--") or arg.flag in ("--resume", "--dry-run"):
                continue
            if resume and arg.flag in ATTRIBUTES:
                continue
            value = getattr(self.args, arg.dest, None)
            action = arg.settings.get("action")
            if value is None or value is False or value == []:
                continue
            if action == "store_true":
                words.append(arg.flag)
            elif action == "store_const":
                if arg.settings.get("const") == value:
                    words.append(arg.flag)
            else:
                for item in value if action == "append" else [value]:
                    words += [arg.flag, _word(arg.flag, item)]
        if resume:
            words += ["--resume", resume]
        if self.args.json:
            words.append("--json")
        return self.ctx.command_line("upload", *words)

    # -- a dry run -----------------------------------------------------------------------------------------------

    def dry_run(self) -> int:
        """What would be sent, and whether the journal has an unfinished upload to continue: nothing is sent (not
        even the API key)."""
        from apivideo.library import upload_files

        paths = [job.result.path for job in self.jobs if job.file is None]
        plans: Dict[str, Any] = {}
        if paths:
            with self.ctx.anonymous_client() as planner:  # for its host only: the journal is kept per host
                for planned in upload_files(planner, paths, journal=self.book or False, dry_run=True):
                    plans[planned.path] = planned
        rows, summaries = [], []
        for job in self.jobs:
            plan = plans.get(job.result.path)
            if self.args.resume:
                what = f"would send what video {self.args.resume} is missing"
            else:
                what = (plan.note if plan is not None else None) or "would upload to a new video"
            title = "" if self.args.token and not self.attributes else title_for(self.ctx, job.result.path)
            rows.append([job.label, human_bytes(job.result.size), title, what])
            summaries.append({**self.summary(job), "title": title or None, "note": what})
        if self.args.json:
            print_json(summaries)
        else:
            print_table(("FILE", "SIZE", "TITLE", "PLAN"), rows)
        note(f"dry run: {len(self.jobs)} file{'s' if len(self.jobs) > 1 else ''}, {human_bytes(self.total)};"
             " nothing was sent")  # fmt: skip
        return EXIT_OK


def _word(flag: str, value: Any) -> str:
    if flag == "--token":
        return "UPLOAD_TOKEN"
    if isinstance(value, tuple):  # KEY=VALUE
        return "=".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
