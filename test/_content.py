"""File contents for upload tests: distinct per seed, not repeating within 64 KiB, and their SHA-256."""

from __future__ import annotations

import hashlib


def sample(size: int, seed: int = 1) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB of non-repeating-looking bytes
    return (block * (size // len(block) + 1))[:size]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
