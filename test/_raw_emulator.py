"""The emulator's own tests talk to it without the SDK, so that nothing the SDK does can hide what the emulator
answers: a raw urllib3 client."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import urllib3

from apivideo.testing import Emulator


def as_json(payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Request arguments sending ``payload`` as JSON (urllib3 1.26 has no ``json=``)."""
    headers = dict(headers or {}, **{"Content-Type": "application/json"})
    return {"body": json.dumps(payload).encode(), "headers": headers}


class RawClient:
    """An authenticated urllib3 client of the emulator: ``client(method, path, payload)`` sends ``payload`` as
    JSON (``body=`` as is), ``client.json(...)`` returns the decoded answer of a success."""

    def __init__(self, emu: Emulator, maxsize: int = 1, timeout: float = 30) -> None:
        self.emu = emu
        self.http = urllib3.PoolManager(retries=False, timeout=timeout, maxsize=maxsize)
        r = self.http.request("POST", emu.host + "/auth/api-key", **as_json({"apiKey": emu.api_key}))
        self.auth = {"Authorization": "Bearer " + json.loads(r.data)["access_token"]}

    def __call__(self, method: str, path: str, payload: Any = None, headers: Any = None, **kw: Any) -> Any:
        if payload is not None:
            kw.update(as_json(payload, headers))
            headers = kw.pop("headers")
        return self.http.request(method, self.emu.host + path, headers=dict(self.auth, **(headers or {})), **kw)

    def json(self, method: str, path: str, payload: Any = None) -> Any:
        r = self(method, path, payload)
        assert r.status < 300, r.data[:300]
        return json.loads(r.data)

    def video(self, **fields: Any) -> str:
        return str(self.json("POST", "/videos", dict({"title": "v"}, **fields))["videoId"])

    def upload(self, path: str, data: bytes = b"x") -> Any:
        body, ctype = urllib3.encode_multipart_formdata({"file": ("v.mp4", data)})
        return self("POST", path, headers={"Content-Type": ctype}, body=body)
