"""`opsbot shell` end to end: a scripted session through the real entry point in
non-interactive mode (stdin not a TTY), its transcript checked as a user would read it."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from bot.shell import add_parser

SCRIPT = Path(__file__).with_name("shell_script.txt")


def run_shell(monkeypatch, capsys, tmp_path: Path, script: str) -> list[str]:
    parser = argparse.ArgumentParser(prog="opsbot")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["shell", "--db", str(tmp_path / "shell.db"), "--start", "2026-11-23T09:00"]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    assert args.func(args) == 0
    return capsys.readouterr().out.splitlines()


def section(lines: list[str], command: str) -> list[str]:
    """The transcript lines printed for the first `> command` line."""
    start = lines.index(f"> {command}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("> ")), len(lines))
    return lines[start:end]


@pytest.fixture
def transcript(monkeypatch, capsys, tmp_path) -> list[str]:
    return run_shell(monkeypatch, capsys, tmp_path, SCRIPT.read_text())


def test_a_scripted_week_reads_like_slack(transcript):
    lines = transcript
    assert section(lines, "now") == ["Mon 23 Nov 2026 09:00 JST (Asia/Tokyo)"]

    declared = section(lines, "/incident declare sev2 Checkout is slow")
    assert "(only you)  opsbot: 🚨 Declared INC-1. Creating its channel…" in declared
    assert any(line.startswith("#incidents  opsbot: 🚨 🟠 *INC-1* · sev2") for line in declared)
    assert "    [1] Post update  [2] Identified  [3] Monitoring  [4] Take IC  [5] Resolve" in (
        declared
    )

    updated = section(lines, "/incident update INC-1 Rolled back the deploy")
    assert "#inc-1-checkout-is-slow  opsbot: 📝 *Update* from @admin: Rolled back the deploy" in (
        updated
    )
    assert "    ↳ #incidents  opsbot: 📝 *Update* from @admin: Rolled back the deploy" in updated

    resolved = section(lines, "/incident resolve INC-1 Bad config rolled back")
    assert "(only you)  opsbot: INC-1 is resolved." in resolved
    assert any(line.startswith("#incidents  (edited) opsbot: ✅ Resolved:") for line in resolved)
    assert "    *Time to resolve* 30m" in resolved

    prompt = section(lines, "at mon 10:00")
    assert prompt[0] == "⏱  Mon 23 Nov 2026 10:00 JST (Asia/Tokyo)"
    assert "DM → @pmpay  opsbot: Loop of Loops — 2026-W48" in prompt
    assert "    [1] Write update" in prompt

    modal = section(lines, "click Write update")
    assert modal[0].startswith("┌ modal: Loop of Loops update")
    assert "│ [9] Status (status): On track" in modal
    filled = section(lines, "fill need_0_text Receipt search index by Friday")
    assert "│ [1] What is the team working on? (working_on): Checkout v2 ships Friday" in filled
    assert "│ [2] Need 1: asked of (need_0_teams, optional): Search" in filled
    assert "│ [9] Status (status): At risk" in filled
    saved = section(lines, "submit")
    assert saved[0] == "(modal closed)"
    assert any(
        line.startswith("DM → @pmpay  opsbot: ✅ Saved *Payments*'s update for 2026-W48")
        for line in saved
    )
    assert "DM → @pmpay  (edited) opsbot: Loop of Loops — 2026-W48" in saved  # the prompt

    window = section(lines, "at 2026-11-24 07:30")
    assert window[0] == "⏱  Tue 24 Nov 2026 07:30 JST (Asia/Tokyo)"
    post = window.index(
        "#standby-platform  opsbot: :large_green_circle: *Platform standby* is on standby: "
        "Tue 24 Nov 07:30–09:30 JST"
    )
    assert window[post + 1 : post + 3] == ["    @carol (primary)", "    [3] Acknowledge"]
    assert any(line.startswith("DM → @carol  opsbot: 🚨 You are on standby") for line in window)
    assert section(lines, "as @carol") == ["you are @carol (U0CAROL01)"]
    acked = section(lines, "click Acknowledge")
    assert acked[0].startswith("#standby-platform  (edited) opsbot:")
    assert "    ✅ Acknowledged by @carol at 07:30" in acked
    assert "(only you)  opsbot: Acknowledged: thanks, you're on." in acked

    digest = section(lines, "at thu 09:00")
    start = digest.index("#loop  opsbot: Loop of Loops — 2026-W48")
    text = "\n".join(digest[start:])
    assert "Updates from 1 of 3 teams · 1 blocked or at risk · 1 open asks" in text
    assert "• from *Payments*: Receipt search index by Friday" in text
    assert "*Incidents declared:* 1 (sev2: 1)" in text

    assert section(lines, "bogus") == ["error: unknown command 'bogus'; `help` lists them"]
    assert section(lines, "click 99") == ["error: no button 99; the last shown are 1 to 10"]
    assert lines[-1] == "> quit"


def test_channels_read_as_help_and_mistakes_are_one_line(monkeypatch, capsys, tmp_path):
    script = "\n".join(
        [
            "help",
            "as @nobody",
            "as",
            "in #incidents",
            "/incident declare sev3 Search is flaky",
            "channels",
            "read #inc-1-search-is-flaky",
            "/nope",
            "fill 1 x",
            "submit",
            "wait soon",
            "at 2020-01-01 00:00",
        ]
    )
    lines = run_shell(monkeypatch, capsys, tmp_path, script)
    assert "quit / exit         leave (so does end of input)" in section(lines, "help")
    assert section(lines, "as @nobody")[0].startswith("error: no user @nobody; users:")
    assert section(lines, "as") == ["you are @admin (U0ADMIN01)"]
    assert section(lines, "in #incidents") == ["slash commands go to #incidents"]
    channels = section(lines, "channels")
    assert any(c.startswith("#inc-1-search-is-flaky") for c in channels)
    assert any(c.startswith("#standby-platform") and c.endswith(" 0 messages") for c in channels)
    read = section(lines, "read #inc-1-search-is-flaky")
    assert any("Search is flaky" in line for line in read)
    assert section(lines, "/nope")[0].startswith("error: the bot has no /nope command")
    assert section(lines, "fill 1 x") == ["error: no modal is open"]
    assert section(lines, "submit") == ["error: no modal is open"]
    assert section(lines, "wait soon")[0].startswith("error: not a duration")
    assert "is not ahead" in section(lines, "at 2020-01-01 00:00")[0]
    assert not any("Traceback" in line for line in lines)


def test_the_interactive_prompt_completes_keeps_history_and_ends_on_ctrl_d(tmp_path):
    """The prompt as at a terminal (prompt_toolkit reading keys from a pipe): Ctrl-C drops
    the line being typed, Enter runs it and keeps it in the history, Ctrl-D ends the session;
    the completer offers commands, people and channels."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from prompt_toolkit.document import Document
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.config import example_config_path, load_config
    from bot.shell.repl import completer, run_interactive
    from bot.shell.session import Shell

    config = load_config(example_config_path())
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo(config.timezone))
    history = tmp_path / "history"
    out = io.StringIO()
    with Shell(config, tmp_path / "shell.db", start=start) as shell, create_pipe_input() as keys:
        keys.send_text("/incident declare sev2 never sent\x03")  # Ctrl-C: dropped
        keys.send_text("/incident declare sev2 Checkout is slow\r")
        keys.send_text("\x04")  # Ctrl-D
        run_interactive(shell, out, history=history, terminal=(keys, DummyOutput()))
        offered = {
            text: [c.text for c in completer(shell).get_completions(Document(text), None)]
            for text in ("/inc", "@pm", "#inc")
        }
    lines = out.getvalue().splitlines()
    assert any("Declared INC-1" in line for line in lines)
    assert not any("never sent" in line for line in lines)
    assert "/incident declare sev2 Checkout is slow" in history.read_text()
    assert offered["/inc"] == ["/incident"]
    assert {"@pmpay", "@pmsrch"} <= set(offered["@pm"])
    assert "#incidents" in offered["#inc"] and "#inc-1-checkout-is-slow" in offered["#inc"]
