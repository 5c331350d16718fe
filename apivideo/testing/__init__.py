"""Offline testing helpers for the api.video SDK.

:class:`Emulator` runs a local, stateful, in-memory stand-in for the api.video API over
HTTP on 127.0.0.1 (standard library only)::

    from apivideo.testing import Emulator

    with Emulator() as emu:
        client = make_client(base_url=emu.host, api_key=emu.api_key)
"""

from ._ratelimit import PRODUCTION_RATE_LIMITS, SANDBOX_RATE_LIMITS, rate_limit_bucket
from ._server import DEFAULT_API_KEY, Emulator
from ._state import RecordedRequest

__all__ = [
    "DEFAULT_API_KEY",
    "PRODUCTION_RATE_LIMITS",
    "SANDBOX_RATE_LIMITS",
    "Emulator",
    "RecordedRequest",
    "rate_limit_bucket",
]
