"""Layering: generated code imports the core, never the reverse (not even inside a function), and no import
cycle exists, counting the imports made inside functions too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parents[1] / "apivideo"
GENERATED = ("apivideo.api", "apivideo.apis", "apivideo.model", "apivideo.models")
# Above the generated layer: helpers built on the public API, the command line, the demo, the emulator.
ABOVE = ("apivideo.library", "apivideo.testing", "apivideo.cli", "apivideo.demo", "apivideo.__main__")
OUTSIDE_CORE = (*GENERATED, *ABOVE)


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(name: str, prefixes: tuple) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


_BLOCKS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.For, ast.While)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, in_functions: bool) -> Set[str]:
    """What a module imports: its top-level statements (and non-TYPE_CHECKING ``if``/``try`` blocks), plus, with
    ``in_functions``, the imports made inside its functions and methods."""
    module = _name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: Set[str] = set()

    def visit(statements: List[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)  # submodules imported by name
            elif isinstance(node, ast.If) and not _is_type_checking(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try) or (in_functions and isinstance(node, _BLOCKS)):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def _graph(in_functions: bool = True) -> Dict[str, Set[str]]:
    modules = {_name(p): p for p in PACKAGE.rglob("*.py")}
    # A module's own parent packages are left out: Python imports them before the module anyway.
    return {
        name: {m for m in _imports(path, in_functions) if m in modules and not _within(name, (m,))}
        for name, path in modules.items()
    }


def test_the_core_never_imports_generated_code():
    offenders = {
        module: sorted(m for m in imports if _within(m, GENERATED))
        for module, imports in _graph().items()
        if module.startswith("apivideo") and not _within(module, OUTSIDE_CORE)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_there_is_no_import_cycle():
    graph = _graph(in_functions=True)
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                cycle = path[path.index(following) :] + [following]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if following not in state:
                walk(following)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)


def test_importing_the_core_loads_no_generated_module():
    core = sorted(m for m in _graph() if not _within(m, OUTSIDE_CORE))
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if any(m == p or m.startswith(p + '.') for p in {GENERATED!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_path_from_an_api_method_to_urllib3_stays_short(emu, client, monkeypatch):
    """``get`` and a one-chunk ``upload`` reach urllib3 through at most five SDK functions, one per module."""
    import urllib3.connectionpool

    from apivideo.api.videos_api import VideosApi
    from apivideo.model.video_creation_payload import VideoCreationPayload

    stacks: List[List[str]] = []
    urlopen = urllib3.connectionpool.HTTPConnectionPool.urlopen

    def spy(pool, *args, **kwargs):  # records who called, then sends as usual
        frame, names = sys._getframe(1), []
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("apivideo.") and not module.startswith("apivideo.testing"):
                names.append(f"{module}.{frame.f_code.co_name}")
            frame = frame.f_back
        stacks.append(names[::-1])
        return urlopen(pool, *args, **kwargs)

    videos = VideosApi(client)
    video_id = videos.create(VideoCreationPayload(title="frames")).video_id
    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", spy)
    videos.get(video_id)
    videos.upload(video_id, b"a small file")
    get, upload = stacks
    assert get == ["apivideo.api.videos_api.get", "apivideo.endpoint._call", "apivideo.api_client.send",
                   "apivideo.rest.request"]  # fmt: skip
    assert len(upload) <= 5 and upload[0] == "apivideo.api.videos_api.upload" and upload[-2:] == get[-2:]
