"""Benchmark this SDK against the official client (api-video 1.4.7) and a raw urllib3 floor.

    python benchmarks/run.py            # full suite (several minutes): 1 GiB uploads, 5 repetitions
    python benchmarks/run.py --quick    # smoke run (< 60 s): tiny sizes, 1 repetition, never asserts timings

Run it with the python of the virtualenv where this SDK is installed (``pip install -e .``): that interpreter
runs the driver, the local emulator, our measurements and the floors. The official client gets its own
virtualenv (``benchmarks/.venv-official``, created on first use). Every measurement runs in a fresh child
process; the emulator runs in this (otherwise idle) driver process, so a child's CPU time is the client's alone.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "_worker.py"
OFFICIAL_VENV = HERE / ".venv-official"
OFFICIAL_REQ = "api-video==1.4.7"
RESULTS_DIR = HERE / "results"
README = HERE / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
MiB = 1024 * 1024
EXAMPLE_CANDIDATES = [REPO / "spec" / "payloads" / "videos" / "list" / "responses" / "200.json"]
PHASES = ("import", "decode", "list", "get", "threads", "exit", "upload", "journal", "throttle", "pacing", "scale")
# The emulators announce rate-limit budgets that no measurement reaches: the SDK's pacing (which the official client
# and the floor do not have) never waits, and what is measured is the client's own cost.
ROOMY_RATE_LIMITS = {"upload": 1_000_000, "write": 1_000_000, "read": 1_000_000}
IMPORT_CODE = {
    "ours": "from apivideo.api.videos_api import VideosApi",
    "official": "from apivideo.api.videos_api import VideosApi",
    "floor": "import json, urllib3",
}


def log(msg: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------- child processes


class ChildFailed(RuntimeError):
    pass


class Runner:
    """Starts children with a clean environment from an empty directory (so ``-c`` never imports the
    checkout's ``apivideo`` by accident) and collects their rusage with ``wait4``."""

    def __init__(self, timeout: float) -> None:
        self.cwd = tempfile.mkdtemp(prefix="apivideo-bench-cwd-")
        drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        # Children import from compiled bytecode, as after a pip install, even where the environment disables
        # writing it (PYTHONDONTWRITEBYTECODE would make every import of an edited checkout compile from
        # source): bytecode goes to a private cache, for every interpreter alike, removed at the end.
        self.pycache = tempfile.mkdtemp(prefix="apivideo-bench-pycache-")
        self.env["PYTHONPYCACHEPREFIX"] = self.pycache
        self.timeout = timeout
        self.failures: List[str] = []

    def compile_packages(self, python: str) -> None:
        """Compile every module of the SDK and of urllib3 that ``python`` imports into the private bytecode cache,
        as ``pip install`` does when it installs a wheel: a module first imported in the middle of a measurement
        (the SDK's upload modules, say) then costs what it costs an installed SDK."""
        code = (
            "import compileall, os, apivideo, urllib3\n"
            "for m in (apivideo, urllib3): compileall.compile_dir(os.path.dirname(m.__file__), quiet=1)"
        )
        self.run(python, ["-c", code])

    def run(self, python: str, args: List[str]) -> Tuple[str, float, float]:
        """(stdout, child CPU seconds (user + system), wall seconds)."""
        with tempfile.TemporaryFile() as err:
            w0 = time.perf_counter()
            proc = subprocess.Popen([python, *args], cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=err)
            assert proc.stdout is not None
            out = proc.stdout.read().decode()
            proc.stdout.close()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - w0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                err.seek(0)
                tail = err.read().decode(errors="replace")[-3000:]
                raise ChildFailed(
                    f"{Path(python).parent.parent.name}: {' '.join(args)[:200]} -> exit {proc.returncode}\n{tail}"
                )
        return out, usage.ru_utime + usage.ru_stime, wall

    def task(self, python: str, task: str, impl: str, params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        try:
            out, cpu, wall = self.run(python, [str(WORKER), task, impl, json.dumps(params)])
        except ChildFailed as exc:
            log(f"FAILED {task}/{impl}: {exc}")
            self.failures.append(f"{task}/{impl}: {str(exc).splitlines()[0]}")
            return None
        result: Dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        result["child_cpu"], result["child_wall"] = cpu, wall
        return result

    def close(self) -> None:
        shutil.rmtree(self.cwd, ignore_errors=True)
        shutil.rmtree(self.pycache, ignore_errors=True)


# --------------------------------------------------------------------------- setup


def ensure_official(runner: Runner, quick: bool) -> Optional[str]:
    """The official client's python, creating its virtualenv if needed; None when that is impossible in quick
    mode (a full run fails instead)."""
    python = OFFICIAL_VENV / "bin" / "python"
    probe = "import apivideo, sys; sys.stdout.write(apivideo.__version__ + ' ' + apivideo.__file__)"
    try:
        if python.exists():
            out, _, _ = runner.run(str(python), ["-c", probe])
            if out.startswith("1.4.7 ") and str(OFFICIAL_VENV) in out:
                return str(python)
        log(f"creating {OFFICIAL_VENV.relative_to(REPO)} with {OFFICIAL_REQ}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(OFFICIAL_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", OFFICIAL_REQ],
                       check=True, env=runner.env)  # fmt: skip
        out, _, _ = runner.run(str(python), ["-c", probe])
        if not out.startswith("1.4.7 "):
            raise RuntimeError(f"unexpected official client: {out}")
        return str(python)
    except (OSError, subprocess.CalledProcessError, RuntimeError, ChildFailed) as exc:
        if quick:
            log(f"official client unavailable, skipped ({exc})")
            return None
        raise SystemExit(f"cannot set up the official client in {OFFICIAL_VENV}: {exc}") from exc


def check_ours(runner: Runner) -> str:
    out, _, _ = runner.run(sys.executable, ["-c", "import apivideo, sys; sys.stdout.write(apivideo.__file__)"])
    if not out.startswith(str(REPO)):
        log(f"warning: {sys.executable} imports apivideo from {out}, not from {REPO}")
    return out


def seed_videos(host: str, key: str, count: int) -> List[str]:
    """Create ``count`` realistic videos on the emulator (shape of the API reference's list example)."""
    import urllib3

    pool = urllib3.PoolManager()
    r = pool.request("POST", host + "/auth/api-key", body=json.dumps({"apiKey": key}).encode(),
                     headers={"Content-Type": "application/json"})  # fmt: skip
    headers = {"Authorization": "Bearer " + json.loads(r.data)["access_token"], "Content-Type": "application/json"}
    ids = []
    for i in range(count):
        payload = {
            "title": f"Maths video #{i}", "description": "An amazing video explaining the string theory",
            "language": "en", "public": False, "panoramic": False, "mp4Support": True,
            "tags": ["maths", "string theory", "video"],
            "metadata": [{"key": "Author", "value": "John Doe"}, {"key": "Format", "value": "Tutorial"}],
        }  # fmt: skip
        r = pool.request("POST", host + "/videos", body=json.dumps(payload).encode(), headers=headers)
        if r.status != 201:
            raise SystemExit(f"seeding the emulator failed: HTTP {r.status} {r.data[:300]!r}")
        ids.append(json.loads(r.data)["videoId"])
    pool.clear()
    return ids


def make_upload_file(directory: Optional[str], size: int) -> Tuple[str, str]:
    """A temp file of ``size`` bytes: 1 MiB of random bytes, then a sparse hole (reads cost no disk I/O).
    Returns (path, sha256)."""
    fd, path = tempfile.mkstemp(prefix="apivideo-bench-", suffix=".bin", dir=directory)
    with os.fdopen(fd, "wb") as fh:
        fh.write(os.urandom(min(MiB, size)))
        fh.truncate(size)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(8 * MiB)
            if not block:
                break
            digest.update(block)
    return path, digest.hexdigest()


def make_scale_files(directory: Optional[str], count: int, size: int) -> List[str]:
    """``count`` temp files of ``size`` bytes: a head of random bytes, then a sparse hole (reads cost no disk I/O).
    :func:`refresh_heads` gives them new content."""
    folder = tempfile.mkdtemp(prefix="apivideo-bench-scale-", dir=directory)
    paths = []
    for i in range(count):
        path = os.path.join(folder, f"clip-{i:03d}.mp4")
        with open(path, "wb") as fh:
            fh.truncate(size)
        paths.append(path)
    return paths


def refresh_heads(paths: List[str]) -> Dict[str, str]:
    """Write a new random head into every file (so that no upload is skipped as already done); their sha256."""
    digests = {}
    for path in paths:
        size = os.path.getsize(path)
        head = os.urandom(min(MiB, size))
        with open(path, "r+b") as fh:
            fh.write(head)
        digest = hashlib.sha256(head)
        zeros = bytes(8 * MiB)
        left = size - len(head)
        while left > 0:
            digest.update(zeros[: min(left, len(zeros))])
            left -= min(left, len(zeros))
        digests[path] = digest.hexdigest()
    return digests


def machine_info(ours_python: str, official_python: Optional[str]) -> Dict[str, Any]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "?")
    except OSError:
        pass
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    import urllib3

    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "uname": uname,
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "urllib3": urllib3.__version__,
        "ours_python": ours_python,
        "official_python": official_python,
    }


# --------------------------------------------------------------------------- the suite


def med(values: List[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def upload_phase(target: str, size: int, chunk: int) -> str:
    return f"upload_{target}_{size // MiB}MiB_in_{chunk // MiB}MiB"


def rotated(items: List[Any], rep: int) -> List[Any]:
    """The same items in a different order each repetition, so no one always runs first."""
    k = rep % len(items)
    return items[k:] + items[:k]


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.runner = Runner(timeout=600)
        self.ours = sys.executable
        self.official: Optional[str] = None
        self.raw: Dict[str, Any] = {}
        self.example = next((str(p) for p in EXAMPLE_CANDIDATES if p.exists()), None)

    def pythons(self) -> Dict[str, str]:
        out = {"ours": self.ours}
        if self.official:
            out["official"] = self.official
        return out

    def collect(self, name: str, rep_count: int, jobs: List[Tuple[str, Callable[[], Any]]]) -> None:
        """Run every job once per repetition, interleaved, in a rotated order; keep each result."""
        store: Dict[str, List[Any]] = self.raw.setdefault(name, {})
        for rep in range(rep_count):
            for label, job in rotated(jobs, rep):
                result = job()
                if result is not None:
                    store.setdefault(label, []).append(result)
        log(f"{name}: done ({rep_count} repetition(s))")

    # -- phases ------------------------------------------------------------------------------

    def phase_import(self, reps: int) -> None:
        def job(python: str, impl: str) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    _, cpu, wall = self.runner.run(python, ["-c", IMPORT_CODE[impl]])
                except ChildFailed as exc:
                    self.runner.failures.append(f"import/{impl}: {exc}")
                    return None
                return {"cpu": cpu, "wall": wall}

            return run

        jobs = []
        for impl, python in self.pythons().items():
            for _ in range(2):  # warm the bytecode caches and the page cache first
                self.runner.run(python, ["-c", IMPORT_CODE[impl]])
                self.runner.run(python, ["-c", IMPORT_CODE["floor"]])
            jobs.append((impl, job(python, impl)))
            jobs.append((f"floor@{impl}", job(python, "floor")))
        # 3x the repetitions: a child's CPU time varies by about 10% from one run to the next, and the SDK's own
        # share of it is under 10%; each repetition costs only a few tenths of a second.
        self.collect("import", reps * 3, jobs)

    def phase_decode(self, reps: int) -> None:
        params = {"example": self.example, "rounds": 3 if self.quick else 7}
        jobs = [(impl, self._task(py, "decode", impl, params)) for impl, py in self.pythons().items()]
        self.collect("decode", reps, jobs)
        mem = [(impl, self._task(py, "memory", impl, {"example": self.example})) for impl, py in self.pythons().items()]
        self.collect("memory", 1 if self.quick else 2, mem)

    def phase_calls(self, reps: int, op: str, n: int) -> None:
        params = dict(self.server, op=op, n=n, rounds=3 if self.quick else 5)
        jobs = [(impl, self._task(py, "calls", impl, params)) for impl, py in self.pythons().items()]
        self.collect(op, reps, jobs)

    def phase_threads(self, reps: int) -> None:
        params = dict(self.server, window=0.1 if self.quick else 0.3, rounds=1 if self.quick else 10)
        jobs = [(impl, self._task(py, "threads", impl, params)) for impl, py in self.pythons().items()]
        self.collect("threads", reps, jobs)

    def phase_exit(self, reps: int) -> None:
        emu = self.emu

        def job(python: str, impl: str) -> Callable[[], Any]:
            def run() -> Any:
                emu.clear_requests()
                result = self.runner.task(python, "exit", impl, self.server)
                if result is not None:
                    seen = [f"{r.method} {r.path}" for r in emu.requests]
                    result["requests_total"] = len(seen)
                    result["requests_at_exit"] = seen[result["requests_before_exit"] :]
                return result

            return run

        self.collect("exit", reps, [(impl, job(py, impl)) for impl, py in self.pythons().items()])

    def phase_upload(self, reps: int, sizes: List[int], chunks: List[int]) -> None:
        """Each file size in each chunk size, against two servers: the emulator in sink mode (every byte hashed,
        the sha256 checked) and the raw discard server of ``_sink.py`` (client-bound). Each SDK's child uploads
        with the SDK and with the floor in turn, several rounds for small files (about 1 GiB per child)."""
        from _sink import SinkServer

        with SinkServer() as raw:
            servers = (("raw", {"host": raw.host, "key": "any-key"}), ("emu", self.server))
            for size in sizes:
                path, sha = make_upload_file(self.args.tmpdir, size)
                rounds = 1 if self.quick else max(1, round(1024 * MiB / size))
                try:
                    log(f"upload file: {size / MiB:.0f} MiB at {path}, {rounds} round(s) per child")
                    for chunk, (target, server) in itertools.product(chunks, servers):
                        params = dict(server, path=path, chunk=chunk, rounds=rounds)
                        phase = upload_phase(target, size, chunk)
                        for rep in range(reps):
                            for impl, python in rotated(list(self.pythons().items()), rep):
                                first = "sdk" if rep % 2 == 0 else "floor"
                                self._upload_child(raw, phase, python, impl, dict(params, first=first), sha)
                        log(f"{phase}: done ({reps} repetition(s))")
                finally:
                    os.unlink(path)

    def _upload_child(self, raw: Any, phase: str, python: str, impl: str, params: Dict[str, Any], sha: str) -> None:
        """One child's uploads (the SDK's and the floor's), checked against what the server received, then stored
        under the phase with the child's number."""
        self.emu.clear_requests()
        raw.reset_counters()
        result = self.runner.task(python, "upload", impl, params)
        if result is None:
            return
        runs = {impl: result["sdk"], f"floor@{impl}": result["floor"]}
        uploads = [x for xs in runs.values() for x in xs]
        if "_emu_" in phase:
            for x in uploads:
                x["verified"] = self.emu.source_sha256(x["video_id"]) == sha
            problem = "the emulator's sha256 of an upload differs"
        else:
            total = len(uploads) * os.path.getsize(params["path"])  # the raw server counts the bytes, one child's
            ok = total < raw.body_bytes < total + 64 * 1024 * raw.requests
            for x in uploads:
                x["verified"] = ok
            problem = f"the raw server received {raw.body_bytes} body bytes"
        if not all(x["verified"] for x in uploads):
            self.runner.failures.append(f"{phase}/{impl}: {problem}")
        store = self.raw.setdefault(phase, {})
        child = sum(len(xs) for xs in store.values())  # tells the children apart
        for label, xs in runs.items():
            for x in xs:
                x["child"] = child
            store.setdefault(label, []).extend(xs)

    def phase_journal(self, reps: int, size: int) -> None:
        """The upload journal and the integrity check, on against off, for a large file and a one-chunk file."""
        for label, nbytes, chunk in (("journal_large", size, 50 * MiB), ("journal_small", MiB, 50 * MiB)):
            path, _ = make_upload_file(self.args.tmpdir, nbytes)
            try:
                params = dict(self.server, path=path, chunk=chunk, rounds=1 if label == "journal_large" else 10)
                self.collect(label, reps, [("ours", self._task(self.ours, "journal", "ours", params))])
            finally:
                os.unlink(path)
            self.raw.setdefault("journal_sizes", {})[label] = nbytes

    def phase_throttle(self) -> None:
        """A capped upload, three parts in parallel: the rate it achieved against the cap."""
        rate = (8 if self.quick else 16) * MiB
        path, _ = make_upload_file(self.args.tmpdir, 3 * rate)  # about three seconds at the cap
        try:
            params = dict(self.server, path=path, chunk=5 * MiB, concurrency=3, rate=rate)
            self.collect("throttle", 1, [("ours", self._task(self.ours, "throttle", "ours", params))])
        finally:
            os.unlink(path)

    def phase_pacing(self, reps: int) -> None:
        """A bulk job of mixed calls against enforced limits, with the SDK's pacing on and off; the emulator
        counts the 429 answers."""
        from apivideo.testing import Emulator

        window, limits = 1.0, {"read": 60, "write": 20, "upload": 10}
        calls = 90 if self.quick else 300
        with Emulator(enforce_rate_limits=True, rate_limit_window=window, rate_limits=limits) as emu:
            video_id = seed_videos(emu.host, emu.api_key, 1)[0]

            def job(pacing: bool) -> Callable[[], Any]:
                def run() -> Any:
                    time.sleep(window)  # start in a fresh window
                    emu.clear_requests()
                    params = {"host": emu.host, "key": emu.api_key, "video_id": video_id, "calls": calls,
                              "pacing": pacing}  # fmt: skip
                    result = self.runner.task(self.ours, "pacing", "ours", params)
                    if result is not None:
                        result["refused"] = sum(1 for r in emu.requests if r.status == 429)
                        result["minimum"] = (calls // 3) / limits["write"] * window
                    return result

                return run

            self.collect("pacing", reps, [("paced", job(True)), ("unpaced", job(False))])

    def phase_scale(self, reps: int, count: int, size: int, workers: List[int], chunk: int) -> None:
        """``count`` files of ``size`` bytes uploaded by a pool of N worker processes, for each N of ``workers``
        (the recipe of docs/scale-out.md: ``upload_file(client, path, journal=False, skip_existing=True)`` per
        file, the client made here and sent pickled), against an emulator in sink mode in this process. This
        process only waits meanwhile, so its CPU time is the emulator's."""
        import multiprocessing
        import resource
        from concurrent.futures import ProcessPoolExecutor

        import _scale

        import apivideo
        from apivideo.configuration import Configuration
        from apivideo.testing import Emulator

        paths = make_scale_files(self.args.tmpdir, count, size)
        log(f"scale: {count} files of {size / MiB:.0f} MiB, chunk {chunk // MiB} MiB, workers {workers}")
        try:
            with Emulator(sink=True, rate_limits=ROOMY_RATE_LIMITS) as emu:
                client = apivideo.AuthenticatedApiClient(
                    emu.api_key, configuration=Configuration(host=emu.host, chunk_size=chunk)
                )

                def job(n: int) -> Callable[[], Any]:
                    def run() -> Any:
                        digests = refresh_heads(paths)
                        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
                            for _ in range(5):  # every worker started and ready before the clock starts
                                if len(set(pool.map(_scale.ready, [0.2] * n))) == n:
                                    break
                            emu.clear_requests()
                            r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
                            try:
                                results = list(pool.map(_scale.upload_one, [client] * count, paths))
                            except Exception as exc:  # a failed upload: reported, not measured
                                self.runner.failures.append(f"scale/{n} workers: {type(exc).__name__}: {exc}")
                                return None
                            wall = time.perf_counter() - w0
                            r1 = resource.getrusage(resource.RUSAGE_SELF)
                        wrong = [p for p, (status, vid, _) in zip(paths, results)
                                 if status != "uploaded" or emu.source_sha256(vid) != digests[p]]  # fmt: skip
                        if wrong:
                            self.runner.failures.append(f"scale/{n} workers: {len(wrong)} file(s) not uploaded intact")
                        return {
                            "workers": n, "files": count, "bytes": count * size, "wall": wall,
                            "emulator_cpu": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
                            "clients_cpu": sum(cpu for _, _, cpu in results), "requests": len(emu.requests),
                            "verified": not wrong,
                        }  # fmt: skip

                    return run

                self.collect("scale", reps, [(str(n), job(n)) for n in workers])
        finally:
            shutil.rmtree(os.path.dirname(paths[0]), ignore_errors=True)

    def _task(self, python: str, task: str, impl: str, params: Dict[str, Any]) -> Callable[[], Any]:
        return lambda: self.runner.task(python, task, impl, params)

    # -- main --------------------------------------------------------------------------------

    def run(self) -> Dict[str, Any]:
        from apivideo.testing import Emulator

        args = self.args
        check_ours(self.runner)
        if not args.skip_official:
            self.official = ensure_official(self.runner, self.quick)
        reps = args.reps or (1 if self.quick else 5)
        upload_reps = args.upload_reps or (1 if self.quick else 4)  # even: the SDK goes first in half the children
        sizes = [int(float(m) * MiB) for m in (args.upload_mib or ("20" if self.quick else "1024,256")).split(",")]
        chunks = [5 * MiB, 8 * MiB] if self.quick else [5 * MiB, 50 * MiB]
        if args.chunks:
            chunks = [int(float(c) * MiB) for c in args.chunks.split(",")]
        started = time.perf_counter()
        for python in self.pythons().values():
            self.runner.compile_packages(python)
        with Emulator(sink=True, rate_limits=ROOMY_RATE_LIMITS) as emu:
            self.emu = emu
            ids = seed_videos(emu.host, emu.api_key, 100)
            self.server = {"host": emu.host, "key": emu.api_key, "video_id": ids[37]}
            log(f"emulator (sink mode) at {emu.host} holding {len(ids)} videos; reps={reps}")
            only = set(filter(None, args.only.split(","))) or set(PHASES)
            if args.skip_upload:
                only.discard("upload")
            if "import" in only:
                self.phase_import(6 * reps)
            if "decode" in only:
                self.phase_decode(reps)
            if "list" in only:
                self.phase_calls(reps, "list", 5 if self.quick else 30)
            if "get" in only:
                self.phase_calls(reps, "get", 20 if self.quick else 200)
            if "threads" in only:
                self.phase_threads(max(1, min(reps, 3)))
            if "exit" in only:
                self.phase_exit(reps)
            if "upload" in only:
                self.phase_upload(upload_reps, sizes, chunks)
            if "journal" in only:
                self.phase_journal(upload_reps, sizes[0])
            if "throttle" in only:
                self.phase_throttle()
            if "pacing" in only:
                self.phase_pacing(1 if self.quick else 3)
            if "scale" in only:
                cores = os.cpu_count() or 1
                workers = sorted({1, args.scale_workers or cores})
                scale_count = args.scale_files or (4 if self.quick else 40)
                scale_size = int((args.scale_mib or (6 if self.quick else 64)) * MiB)
                scale_chunk = 5 * MiB if self.quick else 50 * MiB
                self.phase_scale(upload_reps, scale_count, scale_size, workers, scale_chunk)
        self.runner.close()
        return {
            "config": {"quick": self.quick, "reps": reps, "upload_reps": upload_reps, "upload_sizes": sizes,
                       "chunks": chunks, "example": self.example, "elapsed_s": time.perf_counter() - started},
            "machine": machine_info(self.ours, self.official),
            "raw": self.raw,
            "failures": self.runner.failures,
        }  # fmt: skip


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds * 1e3:.0f} ms"


def ratio(a: float, b: float) -> float:
    return a / b if b and a == a and b == b else float("nan")


def fx(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}x"


def summarize(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per metric: official, ours, floor, ours/floor, target and whether it is met."""
    raw = results["raw"]
    rows: List[Dict[str, Any]] = []

    def field(phase: str, impl: str, key: str) -> float:
        return med([r.get(key) for r in raw.get(phase, {}).get(impl, [])])

    def has(phase: str, impl: str) -> bool:
        return bool(raw.get(phase, {}).get(impl))

    def add(metric: str, official: str, ours: str, floor: str, rel: str, target: str, met: Optional[bool],
            **extra: Any) -> None:  # fmt: skip
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        rows.append({"metric": metric, "official": official, "ours": ours, "floor": floor, "ours/floor": rel,
                     "target": target, "met?": verdict, **extra})  # fmt: skip

    # import
    o, f = field("import", "ours", "cpu"), field("import", "floor@ours", "cpu")
    off, off_f = field("import", "official", "cpu"), field("import", "floor@official", "cpu")
    r = ratio(o, f)
    add("`from apivideo.api.videos_api import VideosApi`, fresh process, CPU (floor: `import json, urllib3`)",
        f"{ms(off)} ({fx(ratio(off, off_f))})" if has("import", "official") else "n/a", ms(o), ms(f), fx(r),
        "<= 1.10x", r <= 1.10 if r == r else None,
        wall={k: field("import", k, "wall") for k in ("ours", "floor@ours", "official", "floor@official")})  # fmt: skip

    # decode
    o, f = field("decode", "ours", "sdk_cpu"), field("decode", "ours", "floor_cpu")
    off, off_f = field("decode", "official", "sdk_cpu"), field("decode", "official", "floor_cpu")
    r = ratio(o, f)
    add("decode a 100-video page into models, CPU (floor: `json.loads`)",
        f"{ms(off)} ({fx(ratio(off, off_f))})" if has("decode", "official") else "n/a", ms(o), ms(f), fx(r),
        "<= 2.5x", r <= 2.5 if r == r else None)  # fmt: skip

    # list, end to end (wall), and get (CPU)
    for phase, key, label, target in (
        ("list", "wall", "`list(page_size=100)` end to end, wall per call (floor: urllib3 GET + `json.loads`)", 1.8),
        ("get", "cpu", "`get(video_id)` client CPU per call (floor: urllib3 GET + `json.loads`)", 1.3),
    ):
        o, f = field(phase, "ours", f"sdk_{key}"), field(phase, "ours", f"floor_{key}")
        off, off_f = field(phase, "official", f"sdk_{key}"), field(phase, "official", f"floor_{key}")
        other = "cpu" if key == "wall" else "wall"
        r = ratio(o, f)
        add(label, f"{ms(off)} ({fx(ratio(off, off_f))})" if has(phase, "official") else "n/a", ms(o), ms(f),
            fx(r), f"<= {target}x", r <= target if r == r else None,
            **{f"{other}_ours": field(phase, "ours", f"sdk_{other}"),
               f"{other}_floor": field(phase, "ours", f"floor_{other}"),
               f"{other}_official": field(phase, "official", f"sdk_{other}")})  # fmt: skip

    # uploads: throughput against each server, for each file size in the first chunk size, each SDK against the
    # floor measured in its own children; then the peak RSS growth over all upload runs
    def paired(phase: str, impl: str) -> float:
        """The median over children of each child's own ratio (its SDK's throughput over its floor's)."""
        walls: Dict[Tuple[str, int], List[float]] = {}
        for label in (impl, f"floor@{impl}"):
            for x in raw.get(phase, {}).get(label, []):
                walls.setdefault((label, x["child"]), []).append(x["wall"])
        children = sorted({child for _, child in walls})
        return med([ratio(med(walls.get((f"floor@{impl}", c), [])), med(walls.get((impl, c), []))) for c in children])

    chunks = results["config"]["chunks"]
    sizes = results["config"]["upload_sizes"]
    servers = (("raw", "raw discard server, client-bound"), ("emu", "emulator sink: parses + sha256 every byte"))
    for size in sizes:
        for target, what in servers:
            phase = upload_phase(target, size, chunks[0])
            if phase not in raw:
                continue

            def tput(impl: str, phase: str = phase, size: int = size) -> float:
                return ratio(size / MiB, field(phase, impl, "wall"))

            o, f, off = tput("ours"), tput("floor@ours"), tput("official")
            r, r_off = paired(phase, "ours"), paired(phase, "official")
            bad = [impl for impl, runs in raw[phase].items() for x in runs if not x.get("verified")]
            add(f"upload {size / MiB:.0f} MiB in {chunks[0] // MiB} MiB chunks to the {what}; throughput (floor:"
                " urllib3 streaming the same multipart chunks, in the same child)", f"{off:.0f} MiB/s ({fx(r_off)})"
                if has(phase, "official") else "n/a", f"{o:.0f} MiB/s", f"{f:.0f} MiB/s", fx(r), ">= 0.90x",
                None if r != r else (r >= 0.90 and not bad),
                cpu={k: field(phase, k, "cpu") for k in ("ours", "floor@ours", "official", "floor@official")},
            )  # fmt: skip

    def growths(impl: str, chunk: int) -> List[float]:
        return [x["rss_growth"] for size in sizes for t, _ in servers
                for x in raw.get(upload_phase(t, size, chunk), {}).get(impl, [])]  # fmt: skip

    def growth(impl: str) -> str:
        worst = [max(growths(impl, c), default=float("nan")) for c in chunks]
        return " / ".join("n/a" if g != g else f"+{g / MiB:.1f}" for g in worst) + " MiB"

    if any(growths("ours", c) for c in chunks):
        worst = max((g for c in chunks for g in growths("ours", c)), default=float("nan"))
        label = " / ".join(f"{c // MiB}" for c in chunks)
        add(f"peak RSS growth during those uploads, chunk {label} MiB (child VmHWM - VmRSS before; worst run)",
            growth("official") if any(growths("official", c) for c in chunks) else "n/a", growth("ours"),
            growth("floor@ours"), "-", "<= +8 MiB", worst <= 8 * MiB if worst == worst else None)  # fmt: skip

    # scale: N worker processes vs 1, with the emulator's CPU beside the throughput
    scale = raw.get("scale", {})
    if len(scale) >= 2:
        counts = sorted(scale, key=int)
        one, many = counts[0], counts[-1]

        def mibs(n: str) -> float:
            return med([x["bytes"] / MiB / x["wall"] for x in scale[n]])

        def cores(n: str) -> float:
            return med([x["emulator_cpu"] / x["wall"] for x in scale[n]])

        first = scale[one][0]
        r = ratio(mibs(many), mibs(one))
        add(f"{first['files']} files of {first['bytes'] / first['files'] / MiB:.0f} MiB uploaded by {many} worker"
            f" processes vs 1 (docs/scale-out.md's pool, `skip_existing=True`) to the emulator sink; throughput, and"
            " the emulator's CPU (cores busy)", "n/a",
            f"{mibs(many):.0f} vs {mibs(one):.0f} MiB/s ({fx(r)}); emulator {cores(many):.2f} vs {cores(one):.2f}",
            "-", "-", ">= 0.95x of 1 worker", r >= 0.95 if r == r else None)  # fmt: skip

    # memory held by a decoded page
    o, d = field("memory", "ours", "model_bytes"), field("memory", "ours", "dict_bytes")
    off, off_d = field("memory", "official", "model_bytes"), field("memory", "official", "dict_bytes")
    r = ratio(o, d)
    add("memory held by a decoded 100-video page (tracemalloc; floor: the same page as dicts)",
        f"{off / 1024:.0f} KiB ({fx(ratio(off, off_d))})" if has("memory", "official") else "n/a",
        f"{o / 1024:.0f} KiB", f"{d / 1024:.0f} KiB", fx(r), "<= 0.8x", r <= 0.8 if r == r else None)  # fmt: skip

    # leaving the with block
    def exit_cell(impl: str) -> Tuple[str, float, int]:
        runs = raw.get("exit", {}).get(impl, [])
        if not runs:
            return "n/a", float("nan"), -1
        t = med([x["exit_wall"] for x in runs])
        extra = max(len(x["requests_at_exit"]) for x in runs)
        return f"{ms(t)}, {extra} request(s)", t, extra

    off_cell, _, _ = exit_cell("official")
    ours_cell, t, extra = exit_cell("ours")
    floor_t = med([x["floor_exit_wall"] for x in raw.get("exit", {}).get("ours", []) if "floor_exit_wall" in x])
    add("leaving `with AuthenticatedApiClient(...)` (wall; requests seen by the emulator; floor: closing a urllib3"
        " pool's connections)", off_cell, ours_cell, ms(floor_t) if floor_t == floor_t else "-",
        fx(ratio(t, floor_t)) if floor_t == floor_t else "-", "< 5 ms, 0 requests",
        (t < 0.005 and extra == 0) if t == t else None)  # fmt: skip

    # the upload journal and the integrity check
    sizes = raw.get("journal_sizes", {})
    if has("journal_large", "ours"):
        on, off = field("journal_large", "ours", "on"), field("journal_large", "ours", "off")
        cost = ratio(on - off, off)
        add(f"journal + integrity check, upload of {sizes['journal_large'] / MiB:.0f} MiB to the emulator sink:"
            " added time", "n/a", f"{100 * cost:+.2f}% ({ms(on)} vs {ms(off)})", "-", "-", "< 1%",
            cost < 0.01 if cost == cost else None)  # fmt: skip
    if has("journal_small", "ours"):
        on, off = field("journal_small", "ours", "on"), field("journal_small", "ours", "off")
        add("journal, one-chunk file (1 MiB): added time per upload", "n/a", f"{(on - off) * 1000:+.2f} ms", "-",
            "-", "< 5 ms", (on - off) < 0.005 if on == on else None)  # fmt: skip
    if has("throttle", "ours"):
        achieved, target = field("throttle", "ours", "rate"), field("throttle", "ours", "target")
        r = ratio(achieved, target)
        add(f"bandwidth cap of {target / MiB:.0f} MiB/s shared by 3 parallel parts: achieved rate", "n/a",
            f"{achieved / MiB:.2f} MiB/s ({fx(r)})", "-", "-", "within 5%",
            abs(r - 1) <= 0.05 if r == r else None)  # fmt: skip
    if has("pacing", "paced"):

        def pace(label: str) -> str:
            return f"{field('pacing', label, 'wall'):.2f} s, {field('pacing', label, 'refused'):.0f} x 429"

        paced, minimum = field("pacing", "paced", "wall"), field("pacing", "paced", "minimum")
        refused = field("pacing", "paced", "refused")
        add("bulk job of mixed calls (2 reads + 1 write, repeated) against enforced limits: wall, 429 answers"
            f" (minimum {minimum:.1f} s)", "n/a", pace("paced"), f"pacing off: {pace('unpaced')}", fx(ratio(paced,
            minimum)), "0 x 429, <= 1.10x the minimum", refused == 0 and paced <= 1.1 * minimum if paced == paced
            else None)  # fmt: skip

    # threads: each SDK against the floor measured in the same process, in turn
    def thr(impl: str, name: str) -> Tuple[str, float, int]:
        runs = raw.get("threads", {}).get(impl, [])
        if not runs:
            return "n/a", float("nan"), 0
        one, eight = med([x["rates"][name]["1"] for x in runs]), med([x["rates"][name]["8"] for x in runs])
        scaling = med([x["ratios"][name] for x in runs])
        errors = sum(x["errors"][name] for x in runs)
        err = f", {errors} errors" if errors else ""
        return f"{eight:.0f}/s vs {one:.0f}/s ({fx(scaling)}{err})", scaling, errors

    off_cell, _, _ = thr("official", "official")
    ours_cell, r_ours, errors = thr("ours", "ours")
    floor_cell, r_floor, _ = thr("ours", "floor")
    add("8 threads sharing one client, `get` calls/s vs 1 thread (the scaling; floor measured with ours)", off_cell,
        ours_cell, floor_cell, fx(ratio(r_ours, r_floor)), ">= 0.95x the floor's scaling, 0 errors",
        (r_ours >= 0.95 * r_floor and errors == 0) if r_ours == r_ours else None)  # fmt: skip
    return [row for row in rows if not ("n/a" in row["ours"] or "nan" in row["ours"])]


COLUMNS = ["metric", "official", "ours", "floor", "ours/floor", "target", "met?"]


def table(rows: List[Dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def notes(results: Dict[str, Any]) -> List[str]:
    raw = results["raw"]
    out = []
    gets = raw.get("get", {}).get("ours", [])
    if gets:
        rt = med([x["floor_wall"] for x in gets])
        verdict = "no Nagle/delayed-ACK stall" if rt < 0.02 else "**looks like a Nagle/delayed-ACK stall**"
        out.append(f"Floor `GET /videos/{{id}}` round trip: {ms(rt)} wall ({verdict}; a stall shows as ~40 ms).")
    for phase in (k for k in raw if k.startswith("upload_")):
        bad = [impl for impl, runs in raw[phase].items() for x in runs if not x.get("verified")]
        cpu = {impl: med([x["cpu"] for x in runs]) for impl, runs in raw[phase].items()}
        walls = {impl: med([x["wall"] for x in runs]) for impl, runs in raw[phase].items()}
        desc = ", ".join(f"{impl} {ms(walls[impl])} wall / {ms(cpu[impl])} CPU" for impl in walls)
        check = "sha256 of the received source" if "_emu_" in phase else "body bytes received (counted, not read)"
        firsts = {impl: [x["wall"] for x in runs if x.get("first_in_process")] for impl, runs in raw[phase].items()}
        cold = ", ".join(f"{impl} {ms(med(w))} ({len(w)})" for impl, w in firsts.items() if w)
        out.append(f"{phase}: {desc}; the first upload of a child alone, wall (children): {cold}; {check}"
                   f" {'WRONG for ' + str(bad) if bad else 'verified'}.")  # fmt: skip
    for workers, runs in sorted(raw.get("scale", {}).items(), key=lambda item: int(item[0])):
        wall, emu_cpu = med([x["wall"] for x in runs]), med([x["emulator_cpu"] for x in runs])
        clients = med([x["clients_cpu"] for x in runs])
        ok = "verified" if all(x["verified"] for x in runs) else "**NOT all intact**"
        out.append(
            f"scale, {workers} worker(s): {ms(wall)} wall for {runs[0]['files']} files, emulator CPU {ms(emu_cpu)},"
            f" clients' CPU {ms(clients)}, {med([x['requests'] for x in runs]):.0f} requests; sha256 of every"
            f" source {ok}."
        )
    if results["failures"]:
        out.append("Failures: " + "; ".join(results["failures"]))
    return out


def render(results: Dict[str, Any], rows: List[Dict[str, Any]]) -> str:
    m = results["machine"]
    c = results["config"]
    mode = "quick" if c["quick"] else "full"
    head = [
        f"Run of {m['date']} ({mode} mode, {c['reps']} repetitions, {c['upload_reps']} for uploads; "
        f"{c['elapsed_s']:.0f} s).",
        "",
        f"- machine: `{m['uname']}`",
        f"- CPU: {m['cpu']} ({m['cpus']} cores); Python {m['python']}; urllib3 {m['urllib3']}",
        "",
    ]
    return "\n".join(head) + "\n" + table(rows) + "\n\n" + "\n".join(f"- {n}" for n in notes(results)) + "\n"


def write_readme(text: str) -> None:
    current = README.read_text() if README.exists() else f"# Benchmarks\n\n## Results\n\n{BEGIN}\n{END}\n"
    if BEGIN not in current or END not in current:
        current += f"\n## Results\n\n{BEGIN}\n{END}\n"
    before, rest = current.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{BEGIN}\n{text}{END}{after}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 repetition, < 60 s (a smoke test)")
    parser.add_argument("--reps", type=int, default=0, help="repetitions of the cheap measurements (default 5)")
    parser.add_argument("--upload-reps", type=int, default=0, help="repetitions of each upload (default 4)")
    parser.add_argument("--upload-mib", default="",
                        help="upload file sizes in MiB, comma-separated (default 1024,256); the journal phase uses the"
                        " first")  # fmt: skip
    parser.add_argument("--tmpdir", default=None, help="where the upload file is created (default: $TMPDIR)")
    parser.add_argument("--skip-official", action="store_true", help="measure only ours and the floors")
    parser.add_argument("--skip-upload", action="store_true", help="skip the upload measurements")
    parser.add_argument("--scale-files", type=int, default=0, help="files of the scale phase (default 40)")
    parser.add_argument("--scale-mib", type=float, default=0, help="size of each of them in MiB (default 64)")
    parser.add_argument("--scale-workers", type=int, default=0, help="worker processes vs 1 (default: the cores)")
    parser.add_argument("--only", default="", help=f"comma-separated phases to run, of: {', '.join(PHASES)}")
    parser.add_argument("--chunks", default="", help="upload chunk sizes in MiB, comma-separated (default 5,50)")
    parser.add_argument("--readme", choices=("auto", "yes", "no"), default="auto",
                        help="write the table into benchmarks/README.md (auto: full runs only)")  # fmt: skip
    args = parser.parse_args(argv)

    results = Suite(args).run()
    rows = summarize(results)
    results["summary"] = rows
    text = render(results, rows)
    print(text)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"{stamp}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    log(f"raw results: {out.relative_to(REPO)}")
    if results["failures"]:
        log("something failed (see the last lines of the table): benchmarks/README.md left as it was")
    elif args.readme == "yes" or (args.readme == "auto" and not args.quick):
        write_readme(text)
        log(f"table written into {README.relative_to(REPO)}")
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
