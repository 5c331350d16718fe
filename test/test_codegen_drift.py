"""The committed generated files are exactly what tools/generate.py makes from the spec."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec" / "oas_apivideo.yaml"


def test_generated_files_match_the_spec() -> None:
    if importlib.util.find_spec("yaml") is None:
        pytest.skip("PyYAML is not installed (dev dependency of tools/generate.py)")
    if shutil.which("ruff") is None and importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (the generator formats its output with it)")
    if not SPEC.is_file():
        pytest.skip(f"spec not found at {SPEC}")
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "generate.py"), str(SPEC), "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
