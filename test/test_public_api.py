"""Every public name, class, method and parameter list of the official client 1.4.7 still exists."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import apivideo

SURFACE = Path(__file__).resolve().parent / "data" / "official-surface-1.4.7.txt"


def _sections() -> Dict[str, List[str]]:
    if not SURFACE.is_file():
        pytest.skip(f"surface listing not found at {SURFACE}")
    sections: Dict[str, List[str]] = {}
    current = None
    for line in SURFACE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif current is not None and line.strip():
            sections[current].append(line)
    return sections


def _section(prefix: str) -> List[str]:
    return next(lines for title, lines in _sections().items() if title.startswith(prefix))


def _names(prefix: str) -> List[str]:
    return [n.strip() for n in " ".join(_section(prefix)).split(",") if n.strip()]


def _official_params(sig: str) -> List[Tuple[str, bool]]:
    """(name, has_default) of the explicit parameters of an official signature, without self and **kwargs."""
    out = []
    for part in sig.strip()[1:-1].split(","):
        part = part.strip()
        if not part or part == "self" or part.startswith("*"):
            continue
        name, _, default = part.partition("=")
        out.append((name.strip(), bool(default)))
    return out


def _our_params(func: object) -> List[Tuple[str, bool]]:
    params = list(inspect.signature(func).parameters.values())  # type: ignore[arg-type]
    return [
        (p.name, p.default is not inspect.Parameter.empty)
        for p in params
        if p.name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]


def _api_methods() -> List[Tuple[str, str, str, str]]:
    out = []
    target = ""
    for line in _section("Api classes"):
        if not line.startswith(" "):
            target = line.strip()
            continue
        m = re.match(r"\s+(\w+)(\(.*\))", line)
        assert m, line
        module, cls = target.rsplit(".", 1)
        out.append((module, cls, m.group(1), m.group(2)))
    return out


def _models() -> List[Tuple[str, str, List[str], List[str]]]:
    out = []
    for line in _section("Model classes"):
        m = re.match(r"(\S+)\s+required=\[(.*?)\]\s+fields=\[(.*?)\]", line.strip())
        assert m, line
        module, cls = m.group(1).rsplit(".", 1)
        required = re.findall(r"'([^']+)'", m.group(2))
        fields = re.findall(r"'([^']+)'", m.group(3))
        out.append((module, cls, required, fields))
    return out


def test_top_level_names() -> None:
    for name in _names("top-level names"):
        if not hasattr(apivideo, name):
            importlib.import_module(f"apivideo.{name}")  # a submodule such as apivideo.api


@pytest.mark.parametrize("module,cls,method,sig", _api_methods() if SURFACE.is_file() else [])
def test_api_method(module: str, cls: str, method: str, sig: str) -> None:
    api_cls = getattr(importlib.import_module(module), cls)
    func = getattr(api_cls, method)
    assert _our_params(func) == _official_params(sig), f"{cls}.{method}"


def test_api_classes_from_apis_package() -> None:
    apis = importlib.import_module("apivideo.apis")
    for module, cls, _, _ in _api_methods():
        assert getattr(apis, cls) is getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize("module,cls,required,fields", _models() if SURFACE.is_file() else [])
def test_model(module: str, cls: str, required: List[str], fields: List[str]) -> None:
    model = getattr(importlib.import_module(module), cls)
    declared = {f.name for f in model._fields}
    assert set(fields) <= declared, f"{cls} lacks {sorted(set(fields) - declared)}"
    assert [f.name for f in model._positional] == required, cls
    assert getattr(importlib.import_module("apivideo.models"), cls) is model


def test_exceptions() -> None:
    exceptions = importlib.import_module("apivideo.exceptions")
    for name in _names("exceptions"):
        assert isinstance(getattr(exceptions, name), type), name


def test_configuration_keywords() -> None:
    from apivideo.configuration import Configuration

    params = inspect.signature(Configuration.__init__).parameters
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for name, _ in _official_params(_section("configuration.Configuration.__init__")[0]):
        assert name in params or var_kw, name


def test_authenticated_api_client() -> None:
    from apivideo.auth_api_client import AuthenticatedApiClient

    lines = _section("auth_api_client.AuthenticatedApiClient")
    params = inspect.signature(AuthenticatedApiClient.__init__).parameters
    for name, _ in _official_params(lines[0]):
        assert name in params, name
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for name in ", ".join(lines[1:]).split(","):
        assert callable(getattr(AuthenticatedApiClient, name.strip())), name
