"""Running `opsbot shell` in a test as a user runs it: the real argument parser and entry
point, a script on stdin (not a terminal), and the transcript it printed."""

from __future__ import annotations

import argparse
import io
import re

from bot.kit.shell import add_parser

PROMPT = re.compile(r"^[\w.-]+> ")


def run_shell(monkeypatch, capsys, script: str, *argv: str, status: int = 0) -> list[str]:
    """`opsbot shell ARGV < script`: the lines it printed (stdout; stderr when it fails)."""
    parser = argparse.ArgumentParser(prog="opsbot")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["shell", *argv])
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    assert args.func(args) == status
    out, err = capsys.readouterr()
    return (out if status == 0 else err).splitlines()


def section(lines: list[str], command: str) -> list[str]:
    """The lines printed for the first `NAME> command` line, up to the next prompt."""
    start = next(
        i + 1
        for i, line in enumerate(lines)
        if PROMPT.match(line) and PROMPT.sub("", line) == command
    )
    end = next((i for i in range(start, len(lines)) if PROMPT.match(lines[i])), len(lines))
    return lines[start:end]
