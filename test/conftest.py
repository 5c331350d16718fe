"""Shared fixtures: one emulator per test session, reset before each test, and clients pointed at it."""

from __future__ import annotations

import os
import signal
import tempfile
from typing import Iterator, List

import pytest

import apivideo
from apivideo.configuration import Configuration
from apivideo.testing import Emulator

MIB = 1024 * 1024
# Budgets far above what one test uses: only the rate-limit tests, which set their own, see the client pace itself.
ROOMY_RATE_LIMITS = {"upload": 1_000_000, "write": 1_000_000, "read": 1_000_000}

# The command line, the emulator and the process pools run in child processes: let them share compiled bytecode
# (in a folder of their own) instead of compiling the package again in every child.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "apivideo-test-pycache"))
# A suite started as a background job (``pytest &`` from a script) inherits SIGINT ignored, and so would the command
# lines whose Ctrl-C the tests check: a child started from here begins with the default disposition instead.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# The upload journal's default folder: never the user's own state folder.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="apivideo-test-state-")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one and a half workers per core. Many tests spend their time waiting (a timeout to pass, a
    server to answer late, a child process to start): a third worker on two cores fills those waits."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores * 3 // 2)


@pytest.fixture(scope="session")
def _emulator() -> Iterator[Emulator]:
    with Emulator(rate_limits=ROOMY_RATE_LIMITS) as emu:
        yield emu


@pytest.fixture
def emu(_emulator: Emulator) -> Iterator[Emulator]:
    """The local api.video emulator, emptied (store, faults, request log, token lifetime) for this test."""
    _emulator.reset()
    _emulator.token_lifetime = 3600
    yield _emulator
    _emulator.reset()


@pytest.fixture
def config(emu: Emulator) -> Configuration:
    return Configuration(host=emu.host, chunk_size=5 * MIB)


@pytest.fixture
def sleeps() -> List[float]:
    """Waits the client asked for (retries do not really sleep in tests)."""
    return []


@pytest.fixture
def client(emu: Emulator, config: Configuration, sleeps: List[float]) -> Iterator[apivideo.AuthenticatedApiClient]:
    with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as api_client:
        api_client._sleep = sleeps.append
        yield api_client
