"""Each non-auth operation of the spec maps to one generated Operation with the same method, path and parameters.

This reads the spec YAML directly (not the generator's records), so a generator bug cannot hide itself.
"""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest

from apivideo.endpoint import Operation

SPEC = Path(__file__).resolve().parents[1] / "spec" / "oas_apivideo.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


def _snake(name: str) -> str:
    name = name[:-2] if name.endswith("[]") else name
    name = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).replace("-", "_").replace(" ", "_").lower()
    return "_from" if name == "from" else name


@functools.cache
def _spec() -> Dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the spec")
    if not SPEC.is_file():
        pytest.skip(f"spec not found at {SPEC}")
    with open(SPEC, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # type: ignore[no-any-return]


def _operations() -> List[Tuple[str, str, Dict[str, Any]]]:
    spec = _spec()
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS and "Advanced authentication" not in op.get("tags", [])
    ]


def _generated_ops() -> Dict[str, Operation[Any]]:
    found: Dict[str, Operation[Any]] = {}
    for path in (Path(__file__).resolve().parents[1] / "apivideo" / "api").glob("*_api.py"):
        module = importlib.import_module(f"apivideo.api.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, Operation):
                assert value.name not in found, value.name
                found[value.name] = value
    return found


def test_operation_count() -> None:
    ops = _operations()
    assert len(ops) == 57
    assert len(_generated_ops()) == 57


def test_every_operation_is_generated() -> None:
    spec = _spec()
    generated = _generated_ops()

    def resolve(obj: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in obj:
            kind, name = obj["$ref"].split("/")[-2:]
            obj = spec["components"][kind][name]
        return obj

    seen: Set[str] = set()
    for method, path, raw in _operations():
        tag = raw["tags"][0]
        cls = tag.replace(" ", "") + "Api"
        name = f"{cls}.{_snake(raw['x-client-action'])}"
        op = generated.get(name)
        assert op is not None, f"{method.upper()} {path}: no Operation named {name}"
        seen.add(name)
        label = f"{method.upper()} {path}"
        assert (op.method, op.route) == (method.upper(), path), label

        expected = set()
        for p in map(resolve, raw.get("parameters", [])):
            if p["in"] in ("path", "query"):
                expected.add((p["name"], p["in"]))
        body = raw.get("requestBody")
        content_type = next(iter(body["content"])) if body else None
        if content_type == "multipart/form-data":
            schema = resolve(body["content"][content_type]["schema"])
            for prop_name, prop in schema["properties"].items():
                expected.add((prop_name, "file" if prop.get("format") == "binary" else "form"))
        got = {(p.wire, p.where) for p in op.params if p.where != "body"}
        assert got == expected, label

        body_params = [p for p in op.params if p.where == "body"]
        if content_type == "application/json":
            ref = body["content"][content_type]["schema"]["$ref"].split("/")[-1]
            assert len(body_params) == 1, label
            assert body_params[0].tp.__module__.endswith("." + _snake(ref)), label
            assert body_params[0].required == bool(body.get("required")), label
        else:
            assert not body_params, label

        for p in op.params:
            if p.where == "path":
                assert p.required, label

        assert op.auth == (raw.get("security") != []), label
        if raw.get("x-client-chunk-upload"):
            assert op.upload == "chunked", label
        elif content_type == "multipart/form-data":
            assert op.upload == "file", label
        else:
            assert op.upload is None, label
        if method == "post" and "{" not in path and not raw.get("x-client-chunk-upload"):
            assert not op.retry_safe, f"{label} creates something and must not be retried blindly"

        ok = [code for code in raw["responses"] if str(code).startswith("2")]
        content = raw["responses"][ok[0]].get("content")
        if content:
            ref = next(iter(content.values()))["schema"]["$ref"].split("/")[-1]
            assert op.response is not None and op.response.__module__.endswith("." + _snake(ref)), label
        else:
            assert op.response is None, label
    assert seen == set(generated)
