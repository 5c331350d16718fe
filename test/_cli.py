"""Running the ``apivideo`` console script as a subprocess, as a user would, and sample files to upload."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Dict, List, Optional

from apivideo.testing import Emulator

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "apivideo"]

# Every output of every run, to check that the API key never shows up anywhere.
OUTPUTS: List[str] = []
# The runs' state folder (the upload journal), never the user's; a test that looks at it passes its own.
STATE = tempfile.mkdtemp(prefix="apivideo-cli-state-")
atexit.register(shutil.rmtree, STATE, True)
# Modules compiled once for every run (the runs would otherwise each compile what they import).
PYCACHE = os.path.join(STATE, "pycache")


def env(**extra: str) -> Dict[str, str]:
    """The environment of a run: this checkout first on the path, no API key unless given, the upload journal in
    a temporary folder."""
    values = {k: v for k, v in os.environ.items() if k not in ("APIVIDEO_API_KEY", "PYTHONDONTWRITEBYTECODE")}
    values["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), values.get("PYTHONPATH")]))
    values.update(XDG_STATE_HOME=STATE, PYTHONPYCACHEPREFIX=PYCACHE)
    values.update(extra)
    return values


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err
        OUTPUTS.extend((out, err))

    def __repr__(self) -> str:
        return f"Run(code={self.code}, out={self.out[-800:]!r}, err={self.err[-800:]!r})"


def cli(
    *args: str,
    emu: Optional[Emulator] = None,
    key: bool = True,
    environ: Optional[Dict[str, str]] = None,
    stdin: Optional[IO[bytes]] = None,
    input: Optional[bytes] = None,
) -> Run:
    """Run ``python -m apivideo [--host H --api-key K] ARGS`` and return its status and outputs."""
    argv = list(COMMAND)
    if emu is not None:
        argv += ["--host", emu.host] + (["--api-key", emu.api_key] if key else [])
    extra: Dict[str, Any] = {"input": input} if input is not None else {"stdin": stdin or subprocess.DEVNULL}
    proc = subprocess.run(
        argv + list(args), capture_output=True, env=environ or env(), cwd=ROOT, timeout=60, check=False, **extra
    )
    run = Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    if emu is not None:
        assert emu.api_key not in run.out + run.err, run
    return run


def popen(
    *args: str,
    emu: Optional[Emulator] = None,
    stdin: Any = subprocess.DEVNULL,
    environ: Optional[Dict[str, str]] = None,
) -> subprocess.Popen[bytes]:
    """Start ``python -m apivideo [--host H --api-key K] ARGS`` with its outputs piped, to interrupt it."""
    argv = list(COMMAND)
    if emu is not None:
        argv += ["--host", emu.host, "--api-key", emu.api_key]
    return subprocess.Popen(
        argv + list(args), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ or env(), cwd=ROOT
    )


def finish(proc: subprocess.Popen[bytes]) -> Run:
    out, err = proc.communicate(timeout=20)
    return Run(proc.returncode, out.decode(), err.decode())


def sample(path: Path, size: int) -> str:
    """Write ``size`` bytes that differ from file to file at ``path``; returns their SHA-256."""
    block = hashlib.sha256(str(path).encode()).digest() * (MIB // 32)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            piece = block[: min(left, len(block))]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def posts(emu: Emulator, suffix: str) -> int:
    """How many POST requests to a path ending with ``suffix`` the emulator received."""
    return sum(1 for r in emu.requests if r.method == "POST" and r.path.endswith(suffix))
