"""How commands are declared (:class:`Arg`, :class:`Command`, :class:`Group`), the one function that turns the
declarations into an argparse parser, and the value types options use.

A command is data: its name, the function that runs it, its help texts and examples, and its arguments. An
argument is the flags and settings ``add_argument`` takes, plus where its value goes in the SDK (a call
parameter or a client setting), so that commands collect their SDK arguments from the table and errors from the
SDK can be told back in the command line's own terms.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, NoReturn, Optional, Sequence, Tuple, Union

from apivideo.cli._output import redact

if TYPE_CHECKING:
    from apivideo.cli._context import Context

Runner = Callable[["Context"], int]
EXIT_USAGE = 2


class Arg:
    """One argument of a command: ``Arg("--page-size", "videos per page", type=..., metavar="N")`` holds what
    ``add_argument`` takes.

    ``group`` puts options in a mutually exclusive group of that name; ``sdk`` names the SDK call parameter the
    value feeds, ``setting`` the client setting (``Configuration`` keyword) it sets.
    """

    __slots__ = ("flag", "help", "settings", "group", "sdk", "setting")

    def __init__(
        self,
        flag: str,
        help: str,
        *,
        group: Optional[str] = None,
        sdk: Optional[str] = None,
        setting: Optional[str] = None,
        **settings: Any,
    ) -> None:
        self.flag, self.help, self.settings = flag, help, settings
        self.group, self.sdk, self.setting = group, sdk, setting

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments that holds the value (argparse's own rule)."""
        return str(self.settings.get("dest") or self.flag.lstrip("-").replace("-", "_"))

    @property
    def label(self) -> str:
        """How a user writes it: the flag, or the metavar of a positional argument."""
        return self.flag if self.flag.startswith("-") else str(self.settings.get("metavar", self.flag))


class Command:
    """A command that runs: ``apivideo videos list`` is ``Command("list", ...)`` inside ``Group("videos", ...)``.

    ``passthrough`` commands parse nothing themselves: everything after their name goes to their runner as
    ``ctx.extra`` (the emulator has its own parser).
    """

    __slots__ = ("name", "run", "summary", "description", "examples", "args", "passthrough")

    def __init__(
        self,
        name: str,
        run: Runner,
        summary: str,
        *,
        description: Optional[str] = None,
        examples: Sequence[str] = (),
        args: Sequence[Arg] = (),
        passthrough: bool = False,
    ) -> None:
        self.name, self.run, self.summary = name, run, summary
        self.description = description or f"{summary[:1].upper()}{summary[1:]}."
        self.examples, self.args, self.passthrough = tuple(examples), tuple(args), passthrough

    def arg_for(self, name: str) -> Optional[Arg]:
        """The argument that feeds the SDK parameter or setting ``name`` (or is stored under that name)."""
        return next((a for a in self.args if name in (a.sdk, a.setting, a.dest)), None)


class Group:
    """A command with sub-commands (``videos``, ``tokens``)."""

    __slots__ = ("name", "summary", "description", "examples", "commands")

    def __init__(
        self,
        name: str,
        summary: str,
        *,
        description: Optional[str] = None,
        examples: Sequence[str] = (),
        commands: Sequence[Entry] = (),
    ) -> None:
        self.name, self.summary = name, summary
        self.description = description or f"{summary[:1].upper()}{summary[1:]}."
        self.examples, self.commands = tuple(examples), tuple(commands)


Entry = Union[Command, Group]


def walk(entries: Sequence[Entry], prefix: Tuple[str, ...] = ()) -> Iterator[Tuple[Tuple[str, ...], Entry]]:
    """Every entry of a table with its words, parents first: ``(("videos", "list"), Command(...))``."""
    for entry in entries:
        words = (*prefix, entry.name)
        yield words, entry
        if isinstance(entry, Group):
            yield from walk(entry.commands, words)


# -- the parser --------------------------------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """argparse with secrets removed from its error messages, and commands whose arguments are added only when
    the command is used (a run builds one command's arguments, not every command's)."""

    populate: Optional[Callable[[], None]] = None

    def _complete(self) -> None:
        if self.populate is not None:
            populate, self.populate = self.populate, None
            populate()

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._complete()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message)}\n")


def examples(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) if lines else ""


def build_parser(
    prog: str, description: str, epilog: str, global_args: Sequence[Arg], table: Sequence[Entry], version: str
) -> argparse.ArgumentParser:
    """The parser of a command table. Global arguments are accepted before the command name and after it."""
    root = Parser(
        prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )  # fmt: skip
    _add_args(root, global_args)
    root.add_argument("--version", action="version", version=version)
    _add_entries(root, table, global_args)
    return root


def _add_entries(parser: argparse.ArgumentParser, entries: Sequence[Entry], global_args: Sequence[Arg]) -> None:
    # A sub-command's own "dest" would clash between levels; the chosen Command is stored as "command" instead.
    sub = parser.add_subparsers(metavar="COMMAND", dest=f"_{parser.prog.replace(' ', '_')}", required=True)
    for entry in entries:
        passthrough = isinstance(entry, Command) and entry.passthrough
        child = sub.add_parser(
            entry.name, help=entry.summary, description=entry.description, epilog=examples(entry.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False, add_help=not passthrough,
            prefix_chars="\0" if passthrough else "-",
        )  # fmt: skip
        if isinstance(entry, Group):
            _add_entries(child, entry.commands, global_args)
            continue
        child.set_defaults(command=entry, parser=child)
        if not passthrough and isinstance(child, Parser):  # always a Parser: subparsers take their parent's class
            child.populate = functools.partial(_add_command_args, child, entry, global_args)


def _add_command_args(parser: Parser, command: Command, global_args: Sequence[Arg]) -> None:
    _add_args(parser, command.args)
    # The usage line shows the command's own arguments; the global ones are listed in the help.
    parser.usage = parser.format_usage().split(": ", 1)[1].rstrip() + " [global options]"
    shared = parser.add_argument_group("global options (also accepted before the command)")
    _add_args(shared, global_args, defaults=False)


def _add_args(target: Any, args: Sequence[Arg], defaults: bool = True) -> None:
    """Add ``args`` to a parser or argument group. Without ``defaults``, an option left out does not override
    the value parsed before the command name."""
    groups: Dict[str, Any] = {}
    for arg in args:
        settings = dict(arg.settings)
        if not defaults:
            settings["default"] = argparse.SUPPRESS
        where = target
        if arg.group is not None:
            where = groups.get(arg.group) or groups.setdefault(arg.group, target.add_mutually_exclusive_group())
        where.add_argument(arg.flag, help=arg.help, **settings)


# -- value types ---------------------------------------------------------------------------------------------------

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int:
    """Parse a byte count: ``10485760``, ``10M``, ``10MiB``, ``10MB``, ``512K``, ``1.5G`` (units are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*(?:([kKmMgG])(?:i?[bB])?|[bB])?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (examples: 10485760, 10M, 10MiB)")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def size_range(low: int, high: int) -> Callable[[str], int]:
    """A size option bounded to ``[low, high]`` bytes, both multiples of 1 MiB."""

    def parse(text: str) -> int:
        value = parse_size(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be from {low >> 20} MiB to {high >> 20} MiB, got {text!r} ({value} bytes)"
            )
        return value

    return parse


def rate(text: str) -> int:
    """A rate in bytes per second: a size (``2M``, ``500K``, ``1048576``), optionally followed by ``/s``."""
    size = text[:-2] if text.lower().endswith("/s") else text
    try:
        value = parse_size(size)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"invalid rate {text!r} (examples: 2M, 500K, 2MiB/s)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte per second, got {text!r}")
    return value


def seconds(text: str) -> float:
    """A positive duration in seconds (``600``, ``2.5``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def int_range(low: int, high: Optional[int] = None) -> Callable[[str], int]:
    """A whole-number option bounded to ``[low, high]``."""
    wanted = f"from {low} to {high}" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {value}")
        return value

    return parse


def key_value(text: str) -> Tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or len(text.split("://", 1)[1].strip("/")) == 0:
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text.rstrip("/")
