"""Move a whole library of files onto api.video: find the files, create a video per file, upload each with the
journal (so a rerun after a crash continues every unfinished file), a few at a time, and wait for encoding.

    import apivideo
    from apivideo.library import upload_files

    with apivideo.AuthenticatedApiClient(API_KEY) as client:
        for result in upload_files(client, ["/media/films"], recursive=True, include=["*.mp4"], jobs=4):
            print(result.path, result.video_id, result.status)

Built on the public API only; the ``apivideo upload`` command uses it.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, List, Optional, Sequence, Union

from apivideo.api.videos_api import VideosApi
from apivideo.exceptions import ApiException, ApiValueError, NotFoundException, OpenApiException
from apivideo.journal import UploadJournal
from apivideo.model.video_creation_payload import VideoCreationPayload

PathLike = Union[str, "os.PathLike[str]"]
MIB = 1024 * 1024
UPLOADED, RESUMED, SKIPPED, FAILED, PLANNED = "uploaded", "resumed", "skipped", "failed", "planned"


class FileResult:
    """What happened to one file: ``status`` is ``uploaded``, ``resumed`` (an earlier, unfinished upload was
    continued), ``skipped`` (already on api.video), ``failed`` or ``planned`` (a dry run); ``error`` says why a
    file failed; ``note`` says anything else worth knowing (a file that changed since an unfinished upload)."""

    __slots__ = ("path", "size", "video_id", "status", "seconds", "error", "note")

    def __init__(self, path: str, size: int, status: str = PLANNED, video_id: Optional[str] = None) -> None:
        self.path, self.size, self.status, self.video_id = path, size, status, video_id
        self.seconds = 0.0
        self.error: Optional[str] = None
        self.note: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return f"FileResult({self.path!r}, status={self.status!r}, video_id={self.video_id!r})"


def find_files(
    paths: Iterable[PathLike], recursive: bool = False, include: Optional[Sequence[str]] = None
) -> List[str]:
    """The files named by ``paths``, and the files inside the folders among them (their subfolders too with
    ``recursive``), keeping those whose name matches one of the ``include`` patterns (e.g. ``*.mp4``), in a
    stable order and without duplicates. A path that is neither a file nor a folder raises ApiValueError."""
    found: List[str] = []
    seen = set()

    def keep(path: str) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        if include and not any(fnmatch.fnmatch(os.path.basename(path), pattern) for pattern in include):
            return
        seen.add(real)
        found.append(path)

    for given in paths:
        path = os.fspath(given)
        if os.path.isfile(path):
            keep(path)
        elif os.path.isdir(path):
            for folder, subfolders, names in os.walk(path):
                subfolders.sort()
                if not recursive:
                    subfolders.clear()
                for name in sorted(names):
                    if os.path.isfile(os.path.join(folder, name)):
                        keep(os.path.join(folder, name))
        elif os.path.exists(path):
            raise ApiValueError(f"{path!r} is not a regular file or a folder")
        else:
            raise ApiValueError(f"{path!r}: no such file or folder")
    return found


def title_from_name(path: str) -> str:
    """The default title: the file name without its extension, with ``_`` and ``-`` read as spaces."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return " ".join(stem.replace("_", " ").replace("-", " ").split()) or stem


# Metadata keys of the opt-in content fingerprint (``skip_existing=True``).
FINGERPRINT_KEY = "apivideo-fingerprint"
SHA256_KEY = "apivideo-sha256"


SAMPLES, SAMPLE = 32, 64 * 1024


def content_key(path: PathLike) -> str:
    """A cheap key of a file's content: its size and the SHA-256 of its first and last MiB and of 32 blocks of
    64 KiB spread evenly between them (reads at most 4 MiB). Two files with the same key are not always copies:
    :func:`find_uploaded` compares the whole SHA-256 a finished video records, but a video whose SHA-256 is not
    recorded (unfinished, or complete with its worker killed before it recorded it) is matched by the key alone."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        digest.update(f.read(MIB))
        if size > 2 * MIB:
            step = (size - 2 * MIB) // (SAMPLES + 1)
            for i in range(1, SAMPLES + 1):
                f.seek(MIB + i * step)
                digest.update(f.read(SAMPLE))
        if size > MIB:
            f.seek(max(MIB, size - MIB))
            digest.update(f.read(MIB))
    return f"v2:{size}:{digest.hexdigest()}"


def file_sha256(path: PathLike) -> str:
    """The SHA-256 of a whole file (one read of it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


class _Whole:
    """The whole file's SHA-256, read at most once, when it is first needed."""

    def __init__(self, path: str) -> None:
        self.path, self.value = path, ""

    def __call__(self) -> str:
        if not self.value:
            self.value = file_sha256(self.path)
        return self.value


def find_uploaded(client: Any, path: PathLike, key: Optional[str] = None) -> Optional[Any]:
    """Is this file already on api.video? The video that holds it, or None: the first made of the finished videos
    carrying the file's content key and its SHA-256 (``apivideo-sha256``); else the first made of the videos
    carrying the key and no SHA-256, once its upload is complete (its uploader is about to record the SHA-256, or
    was killed before it did). A complete video made after that one is another worker's copy that gives way to
    it, never the file's. Works from any machine: it asks api.video, not a local record. The file is read whole
    only when a finished video carries its key.

    A video without a SHA-256 is matched by the content key alone: a different file that shares the key (same
    size, same first and last MiB and same 32 sampled blocks) is taken for it. Check ``apivideo-sha256`` in the
    metadata of the video returned when that matters."""
    videos = VideosApi(client)
    return _settled(videos, _candidates(videos, key or content_key(path)), _Whole(os.fspath(path)))


def _settled(videos: VideosApi, found: List[Any], whole: Callable[[], str], mine: Optional[str] = None) -> Any:
    """The video of ``found`` (videos with the file's key) that holds the file, or None (see
    :func:`find_uploaded`). ``mine``, a video this worker just made, is empty: not asked about."""
    if any(_sha256(v) is not None for v in found):
        sha = whole()
        for video in found:
            if _sha256(video) == sha and _complete(videos, video.video_id):
                return video
    unhashed = [v for v in found if _sha256(v) is None]
    if unhashed and unhashed[0].video_id != mine and _complete(videos, unhashed[0].video_id):
        return _once_hashed(videos, unhashed[0], whole)
    return None


def _once_hashed(videos: VideosApi, video: Any, whole: Callable[[], str]) -> Any:
    """A complete video without a SHA-256, once its uploader has recorded it, as it does right after the upload
    (``video`` then shows it): the video if the SHA-256 is the file's, None if it is another file's. Still
    unrecorded after ``_HASH_WAIT`` (its uploader was killed, or was an older version): the video, matched by the
    content key alone."""
    deadline, delay = time.monotonic() + _HASH_WAIT, 0.05
    while time.monotonic() + delay < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
        try:
            latest = videos.get(video.video_id)
        except NotFoundException:
            return None  # another worker's copy, deleted as it gave way
        recorded = _sha256(latest)
        if recorded is not None:
            video.metadata = latest.metadata  # the caller's listing shows it finished too
            return video if recorded == whole() else None
    return video


def _candidates(videos: VideosApi, key: str) -> List[Any]:
    """The videos carrying this key, in the order api.video made them. Not sorted here by their date and id: a
    date is to the second, and of two videos made within one second, the later one's id may sort first."""
    from apivideo.pagination import paginate

    found = paginate(videos.list, metadata={FINGERPRINT_KEY: key}, sort_by="createdAt", sort_order="asc", page_size=100)
    return list(found)


def _sha256(video: Any) -> Optional[str]:
    """The whole file's SHA-256 a video records once its upload is finished, or None."""
    return {m.key: m.value for m in (video.metadata or [])}.get(SHA256_KEY)


def _ingested(videos: VideosApi, video_id: str) -> bool:
    """Whether the video holds a whole upload; NotFoundException if it was deleted."""
    ingest = videos.get_status(video_id).ingest
    return getattr(ingest, "status", None) in ("uploaded", "ingesting", "ingested")


def _complete(videos: VideosApi, video_id: str) -> bool:
    try:
        return _ingested(videos, video_id)
    except NotFoundException:
        return False


# How many times an upload tries, in all, when a video it used is deleted by another worker (each time, that
# worker settled the file in another video): the first try and four more looks.
_LOOKS = 5
_HASH_WAIT = 5.0  # seconds given to the uploader of a complete video to record its SHA-256
_UNHASHED = "matched by its content key only: that video's SHA-256 is not recorded"


def upload_file(
    client: Any,
    path: PathLike,
    *,
    title: Optional[str] = None,
    journal: Union[bool, PathLike, UploadJournal] = True,
    payload: Optional[VideoCreationPayload] = None,
    skip_existing: bool = False,
    reupload: bool = False,
    **options: Any,
) -> FileResult:
    """Create a video for ``path`` and upload the file, continuing the video of an earlier, unfinished upload of
    the same content when the journal has one. ``options`` are passed to :meth:`VideosApi.upload`
    (``_progress_listener``, ``cancel``, ``max_bandwidth``, ``verify``...). Raises what the upload raises.

    A file the journal says was already uploaded (same content, and its video still exists) is ``skipped``,
    unless ``reupload``.

    With ``skip_existing``, the video carries the file's content key in its metadata (``apivideo-fingerprint``)
    and, once uploaded, the SHA-256 of the whole file (``apivideo-sha256``, computed while the file is sent when
    it is sent in order, else by reading it once more). A file already on api.video (same key, same SHA-256) is
    not sent again, whichever machine uploaded it; an unfinished video with the file's key is continued. Workers
    that start the same file at the same moment settle on one video: a finished one if there is one, else the
    first made, as api.video lists them by creation date (not by date and id: a date is to the second). A worker
    that finds a video it used deleted (another worker settled the file in another video and deleted its own
    copy) looks again rather than failing.

    What the content key cannot tell apart (see :func:`content_key`): a file skipped on a complete video without
    a SHA-256 says so in ``note``; an unfinished video is continued on the strength of the key alone, so a
    different file with the same key would complete it (and record its own SHA-256 there).
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    if size == 0:  # before any video is made
        raise ApiValueError(f"{path!r} is empty: nothing to upload")
    result = FileResult(path, size)
    started = time.monotonic()
    videos = VideosApi(client)
    key = content_key(path) if skip_existing else None
    whole = _Whole(path)
    found: Optional[List[Any]] = None
    if key is not None:
        found = _candidates(videos, key)
        done = _settled(videos, found, whole)
        if done is not None:
            _skip(result, done, started)
            return result
    book = _journal(journal)
    entry = book.open(client.configuration.host, path, client.configuration.chunk_size) if book else None
    try:
        if entry is not None and entry.replaced_video:
            result.note = f"changed since its upload to {entry.replaced_video} started: uploaded to a new video"
            entry.replaced_video = None  # said here, in the result: no second warning from the upload
        if entry is not None and entry.uploaded_video and not reupload and _exists(videos, entry.uploaded_video):
            entry.release()
            result.status, result.video_id, result.note = SKIPPED, entry.uploaded_video, "already uploaded"
            result.seconds = time.monotonic() - started
            return result
        video_id = entry.video_id if entry is not None else None
        if video_id is not None and not _exists(videos, video_id):
            video_id = None  # the video of the unfinished upload was deleted meanwhile
        if key is None:
            result.status = RESUMED
            if video_id is None:
                video_id = videos.create(payload or VideoCreationPayload(title=title or title_from_name(path))).video_id
                result.status = UPLOADED
            if entry is not None:
                entry.record_video(video_id)
            result.video_id = video_id
            resume = result.status == RESUMED
            videos.upload(video_id, path, journal=entry if entry is not None else False, resume=resume, **options)
        else:
            _deduplicated(videos, path, key, whole, found, video_id, entry, payload, title, result, started, options)
    except BaseException:
        if entry is not None:
            entry.release()
        raise
    result.seconds = time.monotonic() - started
    return result


def _skip(result: FileResult, video: Any, started: float) -> None:
    result.status, result.video_id = SKIPPED, str(video.video_id)
    if _sha256(video) is None:
        result.note = _UNHASHED
    result.seconds = time.monotonic() - started


def _deduplicated(
    videos: VideosApi,
    path: str,
    key: str,
    whole: _Whole,
    found: Optional[List[Any]],
    video_id: Optional[str],
    entry: Any,
    payload: Optional[VideoCreationPayload],
    title: Optional[str],
    result: FileResult,
    started: float,
    options: dict[str, Any],
) -> None:
    """The upload of ``upload_file`` with ``skip_existing``: claim the file's video, send what it lacks, then
    settle on one video with the other workers. A 404 on a video this worker used (the one it continues, its own
    copy, or the one it waits on) means another worker settled the file elsewhere and deleted it: look again."""
    from apivideo.transfer import ContentDigest

    own_digest = "digest" not in options
    for attempt in range(_LOOKS):
        if attempt:  # a video was deleted under us: the claim lists the videos again and may find the file settled
            found, video_id = None, None
        try:
            status = RESUMED
            if video_id is None:
                video_id, status, done = _claim(videos, key, payload, title, path, whole, found)
                if done is not None:
                    if entry is not None:
                        entry.release()
                    _skip(result, done, started)
                    return
            if entry is not None:
                entry.record_video(video_id)
            result.status, result.video_id = status, video_id
            if own_digest:
                options["digest"] = ContentDigest()
            digest = options["digest"]
            try:
                videos.upload(video_id, path, journal=entry if entry is not None else False,
                              resume=status == RESUMED, **options)  # fmt: skip
            except NotFoundException:
                raise
            except ApiException:
                if not _complete(videos, video_id):
                    raise
                # Another worker uploading the same file completed the video first: it holds this very content.
                result.status, result.note = SKIPPED, "completed by another upload of the same file"
                if entry is not None:
                    entry.complete()
                return
            sha = digest.hexdigest(result.size) or whole()  # sent out of order or resumed: one more read
            canonical = _settle(videos, key, sha, video_id, time.monotonic() - started + 60)
            if canonical != video_id:
                result.status, result.video_id = SKIPPED, canonical
                result.note = "another upload of the same file started at the same moment"
            return
        except NotFoundException:
            if attempt == _LOOKS - 1:
                raise


def _settle(videos: VideosApi, key: str, sha256: str, mine: str, timeout: float) -> str:
    """The video the file ends in, now that ``mine`` holds it too: another worker's video holding it (finished, or
    made before ours), once it is complete, and then ours is deleted; else ours, with its SHA-256 recorded. A
    video we wait on that is deleted meanwhile ends the wait: look again. NotFoundException: ours was deleted."""
    for _ in range(_LOOKS):
        canonical = _holder(videos, key, sha256, mine)
        if canonical == mine:
            break
        try:
            if not _wait_complete(videos, canonical, timeout):
                break
        except NotFoundException:
            continue  # deleted while we waited: its worker gave way to another video, or someone removed it
        _delete(videos, mine)
        return canonical
    _add_metadata(videos, mine, {SHA256_KEY: sha256})
    return mine


def _wait_complete(videos: VideosApi, video_id: str, timeout: float) -> bool:
    """Whether the video completes within ``timeout``; NotFoundException as soon as it is deleted."""
    deadline, delay = time.monotonic() + timeout, 0.1
    while not _ingested(videos, video_id):
        if time.monotonic() + delay > deadline:
            return False
        time.sleep(delay)
        delay = min(5.0, delay * 2)
    return True


def _exists(videos: VideosApi, video_id: str) -> bool:
    try:
        videos.get_status(video_id)
        return True
    except NotFoundException:
        return False


def _delete(videos: VideosApi, video_id: str) -> None:
    """Delete our own copy; already deleted (another worker that had taken it gave way) is as good."""
    with contextlib.suppress(NotFoundException):
        videos.delete(video_id)


def _claim(
    videos: VideosApi,
    key: str,
    payload: Optional[VideoCreationPayload],
    title: Optional[str],
    path: str,
    whole: Callable[[], str],
    found: Optional[List[Any]] = None,
) -> tuple[str, str, Any]:
    """(video id, status, video): the video this file goes to when deduplicating. ``skipped``: a video holds the
    file already (see :func:`find_uploaded`; it is the third item, else None), preferred to any unfinished one;
    ``resumed``: the first made of the unfinished videos carrying its key (another worker's, or a crashed run's)
    is continued; ``uploaded``: a new one is made, after which the same choice is made again from what api.video
    lists, and ours is deleted unless it is the first made of the unfinished ones, so two workers that start
    together end up in one video. ``found``: the videos with the key, when the caller has just listed them."""
    from apivideo.model.metadata import Metadata

    if found is None:
        found = _candidates(videos, key)
        done = _settled(videos, found, whole)
        if done is not None:
            return str(done.video_id), SKIPPED, done
    unfinished = [v for v in found if _sha256(v) is None]
    if unfinished:
        return str(unfinished[0].video_id), RESUMED, None
    creation = copy.copy(payload) if payload is not None else VideoCreationPayload(title=title or title_from_name(path))
    creation.metadata = [*(creation.metadata or []), Metadata(key=FINGERPRINT_KEY, value=key)]  # the caller's stays
    mine = str(videos.create(creation).video_id)
    found = _candidates(videos, key)
    done = _settled(videos, found, whole, mine)
    unfinished = [v for v in found if _sha256(v) is None]
    if done is not None:
        chosen, status = str(done.video_id), SKIPPED
    elif unfinished and unfinished[0].video_id != mine:
        chosen, status = str(unfinished[0].video_id), RESUMED
    else:  # ours is the first made; or it is not listed: another worker took it (a 404 later says if it is gone)
        chosen, status = mine, UPLOADED
    if chosen != mine:
        _delete(videos, mine)
    return chosen, status, done


def _holder(videos: VideosApi, key: str, sha256: str, mine: str) -> str:
    """The video a file with this key and SHA-256 ends in, once ``mine`` holds it too: the first made of the
    finished videos holding it, else the first made of the unfinished videos with the key (``mine`` among them).
    A finished video with another SHA-256 holds a different file that only shares the key."""
    found = _candidates(videos, key)
    finished = [v for v in found if _sha256(v) == sha256]
    unfinished = [v for v in found if _sha256(v) is None]
    first = (finished or unfinished)[:1]
    return str(first[0].video_id) if first else mine


def _add_metadata(videos: VideosApi, video_id: str, values: dict[str, str]) -> None:
    from apivideo.model.metadata import Metadata
    from apivideo.model.video_update_payload import VideoUpdatePayload

    current = [m for m in (videos.get(video_id).metadata or []) if m.key not in values]
    update = [*current, *(Metadata(key=k, value=v) for k, v in values.items())]
    videos.update(video_id, VideoUpdatePayload(metadata=update))


def upload_files(
    client: Any,
    paths: Iterable[PathLike],
    *,
    recursive: bool = False,
    include: Optional[Sequence[str]] = None,
    jobs: int = 1,
    title: Optional[Callable[[str], str]] = None,
    journal: Union[bool, PathLike, UploadJournal] = True,
    dry_run: bool = False,
    on_result: Optional[Callable[[FileResult], Any]] = None,
    cancel: Any = None,
    skip_existing: bool = False,
    reupload: bool = False,
    **options: Any,
) -> List[FileResult]:
    """Upload every file of ``paths`` (see :func:`find_files`), ``jobs`` files at a time, each to a video of its
    own titled ``title(path)`` (default: :func:`title_from_name`). A file whose upload the journal says is
    unfinished is continued; a failure is recorded in its result and the other files go on. ``on_result`` is
    called as each file ends; ``cancel`` (a ``threading.Event``) stops every upload, leaving them resumable, and
    so does a Ctrl-C in the calling thread, which is then raised.
    With ``dry_run`` nothing is sent and every result is ``planned``. ``skip_existing`` skips files already on
    api.video (see :func:`upload_file`); files the journal says were uploaded are skipped unless ``reupload``.
    Results come in the order of the files."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= 16:
        raise ApiValueError(f"upload_files() argument 'jobs': expected an int from 1 to 16, got {jobs!r}")
    files = find_files(paths, recursive, include)
    results = [FileResult(p, os.path.getsize(p)) for p in files]
    book = _journal(journal)
    if dry_run:
        for result in results:
            result.note = _pending_note(book, client, result.path)
            if on_result is not None:
                on_result(result)
        return results
    lock = threading.Lock()
    if jobs > 1:  # a Ctrl-C in the calling thread stops the uploads under way too, within one block each
        halted = threading.Event()
        cancel = halted if cancel is None else _EitherEvent(cancel, halted)

    def one(result: FileResult) -> None:
        started = time.monotonic()
        if cancel is not None and cancel.is_set():
            result.status, result.error = FAILED, "cancelled before it started"
        else:
            try:
                done = upload_file(client, result.path, title=(title or title_from_name)(result.path),
                                   journal=book or False, cancel=cancel, skip_existing=skip_existing,
                                   reupload=reupload, **options)  # fmt: skip
                result.status, result.video_id, result.note = done.status, done.video_id, done.note
            except (OpenApiException, OSError) as exc:
                result.status, result.error = FAILED, _one_line(exc)
                result.video_id = getattr(exc, "video_id", None) or result.video_id
        result.seconds = time.monotonic() - started
        if on_result is not None:
            with lock:
                on_result(result)

    if jobs == 1:
        for result in results:
            one(result)
    else:
        with ThreadPoolExecutor(jobs, thread_name_prefix="apivideo-file") as pool:
            try:
                for _ in pool.map(one, results):
                    pass
            except BaseException:
                halted.set()  # leaving the block waits for the jobs: they stop at their next block
                raise
    return results


class _EitherEvent:
    """Set when either of two events is: the caller's ``cancel``, or the calling thread's own Ctrl-C."""

    def __init__(self, first: Any, second: threading.Event) -> None:
        self.first, self.second = first, second

    def is_set(self) -> bool:
        return bool(self.first.is_set()) or self.second.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        until = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = 0.05 if until is None else min(0.05, until - time.monotonic())
            if left <= 0:
                return False
            self.second.wait(left)  # the caller's event may have no wait(): it is looked at every 50 ms
        return True


def _journal(journal: Union[bool, PathLike, UploadJournal, None]) -> Optional[UploadJournal]:
    if journal is None or journal is False:
        return None
    if isinstance(journal, UploadJournal):
        return journal
    return UploadJournal(None if journal is True else journal)


def _pending_note(book: Optional[UploadJournal], client: Any, path: str) -> Optional[str]:
    """For a dry run: whether the journal holds an unfinished upload of this file."""
    if book is None:
        return None
    from apivideo.journal import fingerprint

    key = os.path.abspath(path)
    for entry in book.entries(unfinished=False):
        if entry.get("path") == key and entry.get("host") == client.configuration.host:
            same = all(entry.get(k) == v for k, v in fingerprint(path).items())
            if same and entry.get("video_id") and entry.get("completed"):
                return f"already uploaded to video {entry['video_id']}: would skip it"
            if same and entry.get("video_id"):
                return f"would continue video {entry['video_id']}"
            return "changed since its last upload: would start a new video"
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, (ApiException, ApiValueError)) else f"{type(exc).__name__}: {text}"


def wait_until_playable(
    client_or_api: Any,
    video_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 1.0,
    max_interval: float = 15.0,
    cancel: Any = None,
) -> Any:
    """Poll the video's status, with a growing interval, until it is playable; return that :class:`VideoStatus`.
    Raises :class:`~apivideo.EncodingFailed` when every quality failed to encode, and
    :class:`~apivideo.WaitTimeout` after ``timeout`` seconds, or as soon as ``cancel`` (a threading.Event) is
    set."""
    from apivideo.exceptions import EncodingFailed, WaitTimeout

    videos = client_or_api if isinstance(client_or_api, VideosApi) else VideosApi(client_or_api)
    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        status = videos.get_status(video_id)
        encoding = status.encoding
        if encoding is not None and encoding.playable:
            return status
        qualities = (encoding.qualities if encoding is not None else None) or []
        if qualities and all(getattr(q, "status", None) == "failed" for q in qualities):
            raise EncodingFailed(f"video {video_id} failed to encode in every quality", video_id=video_id)
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(f"video {video_id} was not playable after {timeout:g} s", video_id=video_id)
        if cancel is not None and cancel.wait(min(delay, left)):
            raise WaitTimeout(f"waiting for video {video_id} was cancelled", video_id=video_id)
        if cancel is None:
            time.sleep(min(delay, left))
        delay = min(max_interval, delay * 1.5)
