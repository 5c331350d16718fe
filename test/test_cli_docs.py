"""docs/cli.md and the examples of ``apivideo --help`` stay true: the Python blocks run, and every ``apivideo``
command written in a shell block or an example is accepted by the command's own parser (in process, nothing is
sent)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Iterator, List

import pytest

from apivideo.cli import build_parser
from apivideo.cli._args import Command, walk
from apivideo.cli._table import COMMANDS

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def blocks(language: str) -> List[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def commands(script: str) -> Iterator[List[str]]:
    """The words of each ``apivideo`` command in a shell script (continued lines joined, comments, pipes, ``;``,
    ``&``, ``&&`` and ``$( )`` taken apart)."""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        words: List[str] = []
        for token in [*lexer, ";"]:
            if set(token) <= set(";&|()<>") or token.endswith("$"):  # a separator, or VAR=$( before a command
                if words and words[0] == "apivideo":
                    yield words
                words = []
            else:
                words.append(token)


@pytest.mark.parametrize("number", range(len(blocks("python"))))
def test_python_blocks_run(number: int) -> None:
    exec(compile(blocks("python")[number], f"{DOC.name} python block {number + 1}", "exec"), {})


def _accepted(words: List[str]) -> None:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(words[1:])
    except SystemExit as exc:  # argparse refused it, and said why on stderr
        raise AssertionError(f"refused: {shlex.join(words)}") from exc
    command: Command = args.command
    assert not extra or command.passthrough, f"unrecognized {extra}: {shlex.join(words)}"


def test_every_command_in_the_shell_blocks_is_accepted() -> None:
    found = [words for script in blocks("bash") for words in commands(script)]
    assert len(found) > 30 and ["apivideo", "upload", "clip.mp4"] in found
    for words in found:
        _accepted(words)


def test_every_example_of_the_help_is_accepted() -> None:
    count = 0
    for _, entry in walk(COMMANDS):
        for line in entry.examples:
            for words in commands(line.split("  #")[0]):
                count += 1
                if words[-1].startswith("..."):  # an ellipsis for the rest
                    continue
                _accepted(words)
    assert count > 30
