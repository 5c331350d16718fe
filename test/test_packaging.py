"""The package's declared dependencies agree wherever they are written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - older Pythons read TOML only with the tomli backport
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs Python 3.11+ or tomli")

ROOT = Path(__file__).resolve().parents[1]


def _normalized(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def test_requirements_txt_lists_exactly_the_runtime_dependencies() -> None:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    listed = [_normalized(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    declared = [_normalized(r) for r in _pyproject()["project"]["dependencies"]]
    assert sorted(listed) == sorted(declared), "requirements.txt and pyproject.toml disagree; make them equal"


def test_runtime_dependencies_are_only_urllib3_dateutil_and_certifi() -> None:
    names = {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in _pyproject()["project"]["dependencies"]}
    assert names == {"urllib3", "python-dateutil", "certifi"}
