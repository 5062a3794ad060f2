"""The loop around a `Shell`: prompt_toolkit with history and completion at a terminal,
plain line reading when stdin is not one, each line echoed after the same prompt, so that
a script's transcript reads as the session at a terminal would."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from bot.kit.shell.commands import COMMANDS, run
from bot.kit.shell.session import Shell

HISTORY = Path("~/.opsbot_shell_history")


def prompt(shell: Shell) -> str:
    return f"{shell.user_name(shell.user)}> "


def banner(shell: Shell) -> list[str]:
    """What the session is: new or resumed, where it is saved, who, where and when."""
    db = str(shell.db_path)
    where = shell.directory.where_channel(shell.channel)
    resumed = shell.resumed
    if resumed is None:
        second = f"A new workspace, saved in {db}; `opsbot shell --resume` goes on with it."
    else:
        count = resumed.message_count
        second = (
            f"Resumed the workspace in {db} as it was left: "
            f"{count} message{'s' if count != 1 else ''}, incidents, rosters and clock."
        )
    return [
        "opsbot shell: the whole bot, a stand-in Slack workspace, a clock of its own.",
        second,
        f"You are @{shell.user_name(shell.user)} in {where}; "
        f"it is {shell.format_time(shell.now())}. `help` lists the commands.",
    ]


def run_script(shell: Shell, stdin: TextIO, stdout: TextIO) -> None:
    """Non-interactive: every line echoed after the prompt, then what it did."""
    for raw in stdin:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        print(f"{prompt(shell)}{line}", file=stdout)
        for out in run(shell, line):
            print(out, file=stdout)
        stdout.flush()
        if shell.done or shell.interrupted:  # Ctrl-C stops the script, saved where it was
            break


def completer(shell: Shell) -> Any:
    """Tab completion of the shell's commands, @people and #channels."""
    from prompt_toolkit.completion import WordCompleter

    words = COMMANDS + ["@" + name for name in shell.names.values()]
    words += ["#" + channel.name for channel in shell.ws.channels.values() if not channel.is_im]
    return WordCompleter(words, sentence=True)


def run_interactive(
    shell: Shell,
    stdout: TextIO,
    *,
    history: Path = HISTORY,
    terminal: tuple[Any, Any] | None = None,
) -> None:
    """At a terminal: history kept in `history`, completion of commands, @people and
    #channels; Ctrl-C drops the line, Ctrl-D ends. `terminal` is prompt_toolkit's (input,
    output), the real terminal by default."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import DynamicCompleter
    from prompt_toolkit.history import FileHistory

    pt_input, pt_output = terminal or (None, None)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history.expanduser())),
        completer=DynamicCompleter(lambda: completer(shell)),  # channels made meanwhile too
        input=pt_input,
        output=pt_output,
    )
    while not shell.done:
        try:
            line = session.prompt(prompt(shell))
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        for out in run(shell, line):
            print(out, file=stdout)
        shell.interrupted = False  # back at the prompt
