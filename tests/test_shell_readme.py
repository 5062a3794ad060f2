"""The README's `opsbot shell` session runs as written: the commands typed in it, fed to
the shell started with the README's own command line, print exactly what the README shows,
so that the README cannot drift from the shell again."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.shell_runs import PROMPT, run_shell

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE = re.compile(
    r"<!-- shell-example:start -->\n```\n(?P<session>.*?)\n```\n<!-- shell-example:end -->",
    re.DOTALL,
)


def readme_session() -> tuple[list[str], list[str]]:
    """The README's shell command line (its arguments) and what the session shows."""
    found = EXAMPLE.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no shell example between its shell-example markers"
    command, *shown = found.group("session").splitlines()
    words = shlex.split(command.removeprefix("$ "))
    assert words[:2] == ["opsbot", "shell"], command
    return words[2:], shown


def test_the_readme_session_prints_what_the_readme_shows(monkeypatch, capsys, tmp_path):
    argv, shown = readme_session()
    typed = [PROMPT.sub("", line) for line in shown if PROMPT.match(line)]
    assert typed, "the README's session types nothing"
    monkeypatch.chdir(tmp_path)  # where the README's `opsbot-shell.db` goes
    printed = run_shell(monkeypatch, capsys, "\n".join(typed) + "\n", *argv)
    assert printed == shown
