"""``python -m apivideo.testing``: serve the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from ._ratelimit import PRODUCTION_RATE_LIMITS, SANDBOX_RATE_LIMITS
from ._server import Emulator
from ._state import DEFAULT_LOG_LIMIT

_SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _limit(text: str) -> tuple[str, int]:
    bucket, sep, count = text.partition("=")
    try:
        value = int(count)
    except ValueError:
        value = 0
    if not sep or not bucket or value < 1:
        raise argparse.ArgumentTypeError(f"expected BUCKET=N with N >= 1, such as read=500, not {text!r}")
    return bucket, value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, not {text!r}")
    return value


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local api.video emulator on 127.0.0.1 until Ctrl-C, and print its host and API key.",
        epilog=f"examples:\n  {prog} --port 8080\n  {prog} --enforce-rate-limits --sandbox-rate-limits"
        f"\n  {prog} --enforce-rate-limits --rate-limit read=10 --rate-limit-window 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--api-key", default=None, help="API key to accept (default: emulator-api-key)")
    parser.add_argument("--sink", action="store_true", help="hash uploads without storing them")
    limits = parser.add_argument_group("rate limits (sent as X-RateLimit-* headers on every answer)")
    limits.add_argument(
        "--enforce-rate-limits", action="store_true", help="answer 429 when a bucket is spent (default: advertise only)"
    )
    limits.add_argument(
        "--sandbox-rate-limits",
        action="store_true",
        help="the sandbox's figures: upload 40, write 40, read 100 (default: production's 100, 200, 500)",
    )
    limits.add_argument(
        "--rate-limit",
        type=_limit,
        action="append",
        default=[],
        metavar="BUCKET=N",
        help="requests per window for one bucket (upload, write, read); repeatable",
    )
    limits.add_argument(
        "--rate-limit-window", type=_seconds, default=60.0, metavar="SECONDS", help="window length (default: 60)"
    )
    parser.add_argument(
        "--encoding-time", type=_seconds, default=0.0, metavar="SECONDS", help="how long encoding takes (default: 0)"
    )
    parser.add_argument("--analytics-seed", type=int, default=0, metavar="N", help="seed of the analytics figures")
    parser.add_argument(
        "--log-limit",
        type=int,
        default=DEFAULT_LOG_LIMIT,
        metavar="N",
        help=f"requests kept in the request log (default: {DEFAULT_LOG_LIMIT})",
    )
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def main(argv: list[str] | None = None, prog: str = "python -m apivideo.testing") -> int:
    """Serve the emulator until Ctrl-C or SIGTERM; ``prog`` is the program name shown in usage and help."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    rate_limits = dict(SANDBOX_RATE_LIMITS if args.sandbox_rate_limits else PRODUCTION_RATE_LIMITS)
    rate_limits.update(dict(args.rate_limit))
    try:
        emu = Emulator(
            port=args.port,
            api_key=args.api_key,
            sink=args.sink,
            rate_limits=rate_limits,
            rate_limit_window=args.rate_limit_window,
            enforce_rate_limits=args.enforce_rate_limits,
            encoding_time=args.encoding_time,
            analytics_seed=args.analytics_seed,
            log_limit=args.log_limit,
        )
    except ValueError as exc:
        parser.error(str(exc))

    # Handlers go in before the emulator announces itself: a signal sent as soon as the host is printed must stop
    # it cleanly. Ctrl-C must work even when SIGINT was inherited as ignored; SIGTERM stops cleanly too.
    previous: dict[int, Any] = {}

    def _interrupt(signum: int, frame: object) -> None:
        for sig in previous:  # a second signal while stopping must not interrupt the shutdown
            signal.signal(sig, signal.SIG_IGN)
        raise _Stop(signum)

    how = "Ctrl-C"
    try:
        if threading.current_thread() is threading.main_thread():
            for sig in _SIGNAL_NAMES:
                previous[sig] = signal.signal(sig, _interrupt)
        try:
            emu.start()
        except OSError as exc:
            print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
            return 1
        window = f"{emu.settings['rate_limit_window']:g} s"
        figures = ", ".join(f"{bucket} {n}" for bucket, n in emu.settings["rate_limits"].items())
        state = "enforced" if args.enforce_rate_limits else "advertised"
        ready = (
            f"api.video emulator listening on {emu.host}\n"
            f"host: {emu.host}\n"
            f"api key: {emu.api_key}\n"
            f"rate limits ({state}, per {window}): {figures}\n"
        )
        sys.stdout.write(ready)  # one write: a signal cannot split the announcement
        sys.stdout.flush()
        threading.Event().wait()
    except _Stop as stop:
        how = _SIGNAL_NAMES.get(stop.signum, f"signal {stop.signum}")
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"api.video emulator stopped ({how})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
