"""``python -m apivideo.testing``: serve the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from ._server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apivideo.testing", description="Run the local api.video emulator.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--api-key", default=None, help="API key to accept")
    parser.add_argument("--sink", action="store_true", help="hash uploads without storing them")
    args = parser.parse_args(argv)
    emu = Emulator(port=args.port, api_key=args.api_key, sink=args.sink)
    try:
        emu.start()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"api.video emulator listening on {emu.host}", flush=True)
    print(f"host: {emu.host}", flush=True)
    print(f"api key: {emu.api_key}", flush=True)

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        # Ctrl-C must work even when SIGINT was inherited as ignored; SIGTERM stops cleanly too.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
