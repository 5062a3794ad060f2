"""`opsbot shell`: the whole bot in a terminal, with no Slack workspace (see session.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_DB = "opsbot-shell.db"


def start_moment(value: str) -> dt.datetime:
    """`--start`'s value: an ISO date and time, `2026-11-24 07:00` or `2026-11-24T07:00`."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date and time like 2026-11-24 07:00"
        ) from None


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.config import example_config_path, load_config
    from bot.kit.shell.errors import ShellError
    from bot.kit.shell.repl import banner, run_interactive, run_script
    from bot.kit.shell.session import Shell

    if args.resume and args.start is not None:
        print(
            "opsbot: --start begins a new session; --resume goes on at its clock", file=sys.stderr
        )
        return 2
    folder = Path(args.db).parent
    if not folder.is_dir():
        print(f"opsbot: --db {args.db}: there is no folder {folder}", file=sys.stderr)
        return 2
    config = load_config(args.config or example_config_path())
    stdin, stdout = sys.stdin, sys.stdout
    start = args.start
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(config.timezone))
    try:
        with Shell(config, args.db, start=start, resume=args.resume) as shell:
            for line in banner(shell) + shell.opening:
                print(line, file=stdout)
            if stdin.isatty():
                run_interactive(shell, stdout)
            else:
                run_script(shell, stdin, stdout)
                if shell.interrupted:
                    return 130
    except KeyboardInterrupt:  # while starting or stopping
        return 130
    except ShellError as exc:
        print(f"opsbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `opsbot shell < script | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `opsbot shell [--db PATH] [--config FILE] [--start WHEN | --resume]`."""
    shell: argparse.ArgumentParser = subparsers.add_parser(
        "shell",
        help="the whole bot in a terminal, with no Slack workspace",
        description="Run the whole bot against a stand-in Slack workspace, on a clock of its "
        "own. Each run starts a new workspace unless --resume is given. Type `help` in it.",
    )
    shell.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"SQLite file (default {DEFAULT_DB}); the workspace is saved next to it, in "
        "NAME.workspace.json, and the bot's warnings go to NAME.log",
    )
    shell.add_argument(
        "--config", metavar="FILE", help="organisation configuration (default: the example)"
    )
    shell.add_argument(
        "--start",
        type=start_moment,
        metavar="WHEN",
        help="where the clock starts, e.g. '2026-11-24 07:00' in the organisation's time zone "
        "(default: now)",
    )
    shell.add_argument(
        "--resume",
        action="store_true",
        help="go on with the workspace, database and clock the last session left in --db",
    )
    shell.set_defaults(func=cmd_shell)
    return shell
