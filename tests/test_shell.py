"""`opsbot shell` end to end: scripted sessions through the real entry point in
non-interactive mode (stdin not a TTY), their transcripts checked as a user would read them.
Helpers shared with the other shell tests live in tests/shell_runs.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.shell_runs import run_shell, section

SCRIPT = Path(__file__).with_name("shell_script.txt")


@pytest.fixture
def transcript(monkeypatch, capsys, tmp_path) -> list[str]:
    db = str(tmp_path / "shell.db")
    return run_shell(
        monkeypatch, capsys, SCRIPT.read_text(), "--db", db, "--start", "2026-11-23T09:00"
    )


@pytest.mark.slow
def test_a_scripted_week_reads_like_slack(transcript):
    lines = transcript
    assert lines[1].startswith("A new workspace, saved in ")
    assert lines[2] == (
        "You are @admin in #general; it is Mon 23 Nov 2026 09:00 JST (Asia/Tokyo). "
        "`help` lists the commands."
    )
    # the bot's first tick, at the start: the morning window is open already
    assert lines[3] == (
        "09:00 #standby-platform  opsbot: 🟢 *Platform standby* is on standby: today 07:30–09:30"
    )
    assert "    ⌛ Sent late: this was due at today 07:30." in lines[4:10]
    # the bot's warning is one line in the transcript (the whole record is in the log file)
    skipped = [line for line in lines if line.startswith("(log) warning: delivery ")]
    assert len(skipped) == 1 and "missed while down" in skipped[0]
    assert section(lines, "now") == ["Mon 23 Nov 2026 09:00 JST (Asia/Tokyo)"]

    declared = section(lines, "/incident declare sev2 Checkout is slow")
    assert "09:00 (only you)  opsbot: 🚨 Declared INC-1. Creating its channel…" in declared
    assert any(
        line.startswith("09:00 #incidents  opsbot: 🚨 🟠 *INC-1* · sev2") for line in declared
    )
    assert "    [1] Post update  [2] Identified  [3] Monitoring  [4] Take IC  [5] Resolve" in (
        declared
    )

    updated = section(lines, "/incident update INC-1 Rolled back the deploy")
    assert (
        "09:00 #inc-1-checkout-is-slow  opsbot: 📝 *Update* from @admin: Rolled back the deploy"
        in updated
    )
    assert "    ↳ 09:00 #incidents  opsbot: 📝 *Update* from @admin: Rolled back the deploy" in (
        updated
    )

    resolved = section(lines, "/incident resolve INC-1 Bad config rolled back")
    assert "09:30 (only you)  opsbot: INC-1 is resolved." in resolved
    assert any(
        line.startswith("09:30 #incidents  (edited) opsbot: ✅ Resolved:") for line in resolved
    )
    assert "    *Time to resolve* 30m" in resolved

    prompt = section(lines, "at mon 10:00")
    assert prompt[0] == "⏱  Mon 23 Nov 2026 10:00 JST (Asia/Tokyo)"
    assert "10:00 DM → @pmpay  opsbot: Loop of Loops — 2026-W48" in prompt
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
        line.startswith("10:00 DM → @pmpay  opsbot: ✅ Saved *Payments*'s update for 2026-W48")
        for line in saved
    )
    assert "10:00 DM → @pmpay  (edited) opsbot: Loop of Loops — 2026-W48" in saved  # the prompt

    # overnight: a line for each day, every message at the time it was sent, its dates
    # read as they were then (the evening window was "today" at 19:00)
    window = section(lines, "at 2026-11-24 07:30")
    assert window[0] == "⏱  Tue 24 Nov 2026 07:30 JST (Asia/Tokyo)"
    assert window[1] == "── Mon 23 Nov 2026 ──"
    assert any(
        line.startswith("19:00 DM → @bob  opsbot: 🚨 You are on standby") and "today 19:00" in line
        for line in window
    )
    # posted at 19:00, shown as it is now: since edited when the window ended
    ended = (
        "19:00 #standby-platform  (edited 22:00) opsbot: ⚪ *Platform standby*: the standby "
        "window today 19:00–22:00 has ended."
    )
    assert ended in window
    tuesday = window.index("── Tue 24 Nov 2026 ──")
    post = window.index(
        "07:30 #standby-platform  opsbot: 🟢 *Platform standby* is on standby: today 07:30–09:30"
    )
    assert tuesday < post
    assert window[post + 1 : post + 3] == ["    @carol (primary)", "    [2] Acknowledge"]
    assert any(line.startswith("07:15 DM → @carol  opsbot: ⏰ Heads-up") for line in window)
    assert section(lines, "as @carol") == ["you are @carol (U0CAROL01)"]
    acked = section(lines, "click Acknowledge")
    assert acked[0] == "07:30 (only you)  opsbot: Acknowledged: thanks, you're on."
    assert acked[1].startswith("07:30 #standby-platform  (edited) opsbot:")
    assert "    ✅ Acknowledged by @carol at 07:30" in acked

    digest = section(lines, "at thu 09:00")
    start = digest.index("09:00 #loop  opsbot: Loop of Loops — 2026-W48")
    text = "\n".join(digest[start:])
    assert "Updates from 1 of 3 teams · 1 blocked or at risk · 1 open asks" in text
    assert "• from *Payments*: Receipt search index by Friday" in text
    assert "*Incidents declared:* 1 (sev2: 1)" in text

    assert section(lines, "bogus") == ["error: unknown command 'bogus'; `help` lists them"]
    assert section(lines, "click 99")[0].startswith("error: no button 99; the last shown are 1 to")
    assert lines[-1] == "carol> quit"


def test_channels_read_users_help_and_mistakes_are_one_line(monkeypatch, capsys, tmp_path):
    script = "\n".join(
        [
            "help",
            "as @nobody",
            "as @opsbot",
            "as",
            "in #incidents",
            "/incident declare sev3 Search is flaky",
            "channels",
            "read #inc-1-search-is-flaky",
            "read",
            "users",
            "home",
            "/nope",
            "/incident frobnicate",
            "fill 1 x",
            "submit",
            "wait soon",
            "at 2020-01-01 00:00",
        ]
    )
    db = str(tmp_path / "shell.db")
    lines = run_shell(monkeypatch, capsys, script, "--db", db, "--start", "2026-11-23 11:00")
    assert "quit / exit         leave (so does end of input)" in section(lines, "help")
    assert section(lines, "as @nobody")[0].startswith("error: no user @nobody; users:")
    assert section(lines, "as @opsbot") == ["error: @opsbot is a bot; act as a person (`users`)"]
    assert section(lines, "as") == ["you are @admin (U0ADMIN01)"]
    assert section(lines, "in #incidents") == ["slash commands go to #incidents"]
    channels = section(lines, "channels")
    assert any(c.startswith("#inc-1-search-is-flaky") for c in channels)
    assert any(c.startswith("#standby-platform") and c.endswith(" 0 messages") for c in channels)
    # the answers only the declarer saw are not the channel's messages
    assert any(c.startswith("#incidents") and c.endswith(" 1 message") for c in channels)
    read = section(lines, "read #inc-1-search-is-flaky")
    assert read[0] == "── Mon 23 Nov 2026 ──"
    assert read[1] == "11:00 #inc-1-search-is-flaky  opsbot: 🟡 *INC-1* · sev3 · Search is flaky"

    # `read` alone reads where you are: what everyone sees there and what only you saw
    here = section(lines, "read")
    assert any(line.startswith("11:00 #incidents  opsbot: 🚨 🟡 *INC-1* ") for line in here)
    assert "11:00 (only you)  opsbot: 🚨 Declared INC-1. Creating its channel…" in here
    users = section(lines, "users")
    assert users[0] == "@admin  U0ADMIN01  Asia/Tokyo       admin  (you)"
    assert "@alice  U0ALICE01  Asia/Tokyo       team Payments, roster Platform standby" in users
    assert "@lead   U0LEAD001  Asia/Tokyo       escalation of Platform standby" in users
    assert "@pmpay  U0PMPAY01  Asia/Tokyo       PM of Payments" in users

    home = section(lines, "home")
    assert home[0] == "┌ App Home of @admin" and home[-1] == "└"
    assert "│ *🚨 Your open incidents*" in home
    assert any(line.startswith("│ • 🟡 *INC-1* · sev3 · Search is flaky") for line in home)

    nope = section(lines, "/nope")
    assert len(nope) == 1 and "/nope" in nope[0]
    assert "is not an /incident command" in section(lines, "/incident frobnicate")[0]
    assert not any("Suggestion" in line or "Unhandled request" in line for line in lines)
    assert section(lines, "fill 1 x") == ["error: no modal is open"]
    assert section(lines, "submit") == ["error: no modal is open"]
    assert section(lines, "wait soon")[0].startswith("error: not a duration")
    assert "is not ahead" in section(lines, "at 2020-01-01 00:00")[0]
    assert not any("Traceback" in line for line in lines)


def test_read_shows_the_postmortem_draft_uploaded_as_a_file(monkeypatch, capsys, tmp_path):
    script = "\n".join(
        [
            "/incident declare sev2 Checkout is slow",
            "/incident postmortem INC-1",
            "read #inc-1-checkout-is-slow",
        ]
    )
    db = str(tmp_path / "shell.db")
    lines = run_shell(monkeypatch, capsys, script, "--db", db, "--start", "2026-11-23 11:00")
    posted = section(lines, "/incident postmortem INC-1")
    assert "    📎 postmortem-inc-1.md (" in "\n".join(posted)
    assert not any(line.startswith("    │ ") for line in posted)  # the text only on `read`
    read = section(lines, "read #inc-1-checkout-is-slow")
    attached = next(i for i, line in enumerate(read) if "📎 postmortem-inc-1.md" in line)
    assert read[attached + 1] == "    │ # Postmortem: INC-1 — Checkout is slow"
    assert "    │ ## Timeline" in read
    assert read[-1] == "    └"


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
    from bot.kit.shell.repl import completer, run_interactive
    from bot.kit.shell.session import Shell

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
