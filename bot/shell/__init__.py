"""`opsbot shell`: the whole bot in a terminal, with no Slack workspace (see session.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_DB = "opsbot-shell.db"


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.config import example_config_path, load_config
    from bot.shell.repl import banner, run_interactive, run_script
    from bot.shell.session import Shell

    config = load_config(args.config or example_config_path())
    stdin, stdout = sys.stdin, sys.stdout
    interactive = stdin.isatty()
    start = dt.datetime.fromisoformat(args.start) if args.start else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(config.timezone))
    with Shell(config, args.db, start=start) as shell:
        if interactive:
            for line in banner(shell):
                print(line, file=stdout)
            run_interactive(shell, stdout)
        else:
            run_script(shell, stdin, stdout)
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `opsbot shell [--db PATH] [--config FILE]` to `opsbot`'s subcommands."""
    shell = subparsers.add_parser(
        "shell", help="the whole bot in a terminal, with no Slack workspace"
    )
    shell.add_argument(
        "--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default {DEFAULT_DB})"
    )
    shell.add_argument(
        "--config", metavar="FILE", help="organisation configuration (default: the example)"
    )
    # Where the shell's clock starts (ISO 8601, local to the organisation without an offset):
    # for scripted demos and tests; hidden, the clock normally starts now.
    shell.add_argument("--start", metavar="WHEN", help=argparse.SUPPRESS)
    shell.set_defaults(func=cmd_shell)
    return shell
