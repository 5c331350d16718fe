"""Shared fixtures: one emulator per test session, reset before each test, and clients pointed at it."""

from __future__ import annotations

from typing import Iterator, List

import pytest

import apivideo
from apivideo.configuration import Configuration
from apivideo.testing import Emulator

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def _emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
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
