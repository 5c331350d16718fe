"""The ``apivideo`` command: upload and manage videos from a shell, built on the public SDK.

    apivideo upload clip.mp4 --title "Launch" --tag launch
    apivideo videos list --tag launch --all
    apivideo emulator            # a local api.video to try everything offline

Exit status: 0 on success, 1 when the API (or the network) refused the operation, 2 on a usage error, 130 when
interrupted. Results go to stdout (``--json`` for scripts); progress and messages go to stderr. The API key and
upload tokens are never written anywhere.

The commands are declared as data in ``_table`` and the parser is built from that table by ``_args``. Only the
standard library and this package are imported before a command runs, so that ``--help`` stays fast; SDK
modules are imported by the command that needs them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import List, Optional, Sequence

from apivideo.cli._args import Command, parse_size
from apivideo.cli._context import ENV_API_KEY, EXIT_API, EXIT_INTERRUPTED, EXIT_USAGE, Context, UsageError
from apivideo.cli._errors import describe_error, in_cli_terms
from apivideo.cli._output import Progress, keep_secret, note, redact

__all__ = ["main", "build_parser", "parse_size", "Progress", "describe_error"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``apivideo`` command."""
    from apivideo._version import __version__
    from apivideo.cli import _args, _table

    return _args.build_parser(
        "apivideo", _table.DESCRIPTION, _table.EPILOG, _table.GLOBAL_ARGS, _table.COMMANDS, f"apivideo {__version__}"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_secret(os.environ.get(ENV_API_KEY), *_values_of(("--api-key", "--token"), argv))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    command: Command = args.command
    if extra and not command.passthrough:
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    keep_secret(args.api_key)
    if args.verbose:
        _setup_logging()
    warnings = _Warnings()
    logging.getLogger("apivideo").addHandler(warnings)
    try:
        return _run(Context(args, command, extra))
    finally:
        logging.getLogger("apivideo").removeHandler(warnings)


def _run(ctx: Context) -> int:
    from apivideo.exceptions import ApiException, OpenApiException

    command = ctx.command
    try:
        return command.run(ctx)
    except KeyboardInterrupt:
        return _fail(ctx, "interrupted", EXIT_INTERRUPTED)
    except UsageError as exc:
        return _fail(ctx, f"error: {exc}", EXIT_USAGE)
    except ApiException as exc:
        return _fail(ctx, f"error: {describe_error(exc, ctx.host)}", EXIT_API, trace=True)
    except OpenApiException as exc:  # a value the SDK refused, before sending anything
        code = EXIT_API if isinstance(exc.__cause__, ApiException) else EXIT_USAGE
        return _fail(ctx, f"error: {in_cli_terms(str(exc), command)}", code, trace=True)
    except BrokenPipeError:  # e.g. `apivideo videos list | head -1`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_API
    except OSError as exc:
        return _fail(ctx, f"error: {exc}", EXIT_API, trace=True)


def _fail(ctx: Context, message: str, code: int, trace: bool = False) -> int:
    """Report a failure on stderr: the traceback with --verbose, one line, then what to run next, if anything."""
    if trace and ctx.args.verbose:
        import traceback

        sys.stderr.write(redact(traceback.format_exc()))
    note(message)
    for hint in ctx.hints:
        note(hint)
    return code


def _values_of(options: Sequence[str], argv: Sequence[str]) -> List[str]:
    """The values given to these options anywhere on the command line (``--opt VALUE`` or ``--opt=VALUE``)."""
    found = []
    for i, arg in enumerate(argv):
        name, sep, value = arg.partition("=")
        if name in options:
            if sep:
                found.append(value)
            elif i + 1 < len(argv):
                found.append(argv[i + 1])
    return found


class _Warnings(logging.Handler):
    """The SDK's warnings on stderr as ``warning: ...`` lines (with --verbose, its whole log is shown instead).
    A file that changed since its unfinished upload is told by ``upload`` itself, in its result line."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger("apivideo").getEffectiveLevel() <= logging.DEBUG:
            return  # --verbose: the log handler shows it
        message = record.getMessage()
        if "changed since its upload to video" not in message:
            note(f"warning: {message}")


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("apivideo: %(levelname)s %(message)s"))
    logger = logging.getLogger("apivideo")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


if __name__ == "__main__":
    sys.exit(main())
