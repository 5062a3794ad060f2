"""Running `opsbot shell` again in the same folder: a new workspace each time, or with
`--resume` the workspace, database and clock the last session left; the banner says which."""

from __future__ import annotations

import json
from pathlib import Path

from tests.shell_runs import run_shell, section

START = ("--start", "2026-11-23 07:00")  # Mon 23 Nov 2026 07:00 JST


def test_each_run_is_new_and_resume_goes_on_where_it_was_left(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    first = run_shell(
        monkeypatch, capsys, "/incident declare sev2 Checkout is slow\nat 07:30\n", *START
    )
    assert (
        first[1]
        == "A new workspace, saved in opsbot-shell.db; `opsbot shell --resume` goes on with it."
    )
    assert any("Declared INC-1." in line for line in first)

    resumed = run_shell(
        monkeypatch,
        capsys,
        "\n".join(
            [
                "now",
                "read #incidents",
                "as @alice",
                "click Acknowledge",
                "/incident declare sev1 Login down",
                "wait 5m",
            ]
        ),
        "--resume",
    )
    assert resumed[1].startswith("Resumed the workspace in opsbot-shell.db as it was left: ")
    assert resumed[2].endswith(
        "it is Mon 23 Nov 2026 07:30 JST (Asia/Tokyo). `help` lists the commands."
    )
    assert section(resumed, "now") == ["Mon 23 Nov 2026 07:30 JST (Asia/Tokyo)"]
    history = section(resumed, "read #incidents")
    assert history[0] == "── Mon 23 Nov 2026 ──"
    assert history[1] == "07:00 #incidents  opsbot: 🚨 🟠 *INC-1* · sev2 · Checkout is slow"
    # the window post of the first session is still there to be acknowledged
    acked = section(resumed, "click Acknowledge")
    assert acked[0] == "07:30 (only you)  opsbot: Acknowledged: thanks, you're on."
    assert "    ✅ Acknowledged by @alice at 07:30" in acked
    declared = section(resumed, "/incident declare sev1 Login down")
    assert any("Declared INC-2." in line for line in declared)
    assert not any("already declared" in line for line in resumed)

    again = run_shell(monkeypatch, capsys, "read #incidents\n", "--resume")
    assert again[2].startswith("You are @alice in #general; it is Mon 23 Nov 2026 07:35 JST")
    incidents = section(again, "read #incidents")
    cards = [line for line in incidents if line.startswith("07:")]
    assert cards[0] == "07:00 #incidents  opsbot: 🚨 🟠 *INC-1* · sev2 · Checkout is slow"
    assert (
        cards[1].startswith("07:30 #incidents  ") and "🔴 *INC-2* · sev1 · Login down" in cards[1]
    )

    fresh = run_shell(monkeypatch, capsys, "/incident declare sev2 Checkout is slow\nnow\n", *START)
    assert fresh[1].startswith("A new workspace, saved in opsbot-shell.db")
    assert fresh[2].startswith("You are @admin in #general; it is Mon 23 Nov 2026 07:00 JST")
    declared = section(fresh, "/incident declare sev2 Checkout is slow")
    assert any("Declared INC-1." in line for line in declared)
    assert not any("already declared" in line for line in declared)
    assert section(fresh, "now") == ["Mon 23 Nov 2026 07:00 JST (Asia/Tokyo)"]


def test_resume_with_nothing_saved_starts_a_new_workspace(monkeypatch, capsys, tmp_path):
    lines = run_shell(monkeypatch, capsys, "now\n", "--db", str(tmp_path / "x.db"), "--resume")
    assert lines[1].startswith(f"A new workspace, saved in {tmp_path / 'x.db'};")


def test_a_database_the_shell_did_not_make_is_left_alone(monkeypatch, capsys, tmp_path):
    other = tmp_path / "opsbot.db"
    other.write_bytes(b"someone's data")
    lines = run_shell(monkeypatch, capsys, "now\n", "--db", str(other), status=2)
    assert lines == [
        f"opsbot: {other} exists and is not a database opsbot shell made (no "
        "opsbot.workspace.json next to it); remove it or give another --db"
    ]
    assert other.read_bytes() == b"someone's data"
    resumed = run_shell(monkeypatch, capsys, "now\n", "--db", str(other), "--resume", status=2)
    assert resumed == [
        f"opsbot: {other} has no saved shell workspace (opsbot.workspace.json) to resume; "
        "run `opsbot shell` without --resume to start a new one"
    ]


def test_start_and_resume_do_not_go_together(monkeypatch, capsys, tmp_path):
    lines = run_shell(
        monkeypatch, capsys, "", "--db", str(tmp_path / "x.db"), "--resume", *START, status=2
    )
    assert lines == ["opsbot: --start begins a new session; --resume goes on at its clock"]
    assert not Path(tmp_path / "x.db").exists()


def test_a_database_in_a_folder_that_does_not_exist_is_one_line(monkeypatch, capsys, tmp_path):
    db = tmp_path / "nowhere" / "shell.db"
    lines = run_shell(monkeypatch, capsys, "now\n", "--db", str(db), status=2)
    assert lines == [f"opsbot: --db {db}: there is no folder {db.parent}"]


def test_a_saved_workspace_that_cannot_be_read_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    run_shell(monkeypatch, capsys, "/incident declare sev2 Checkout is slow\n", *START)
    saved = tmp_path / "opsbot-shell.workspace.json"
    state = json.loads(saved.read_text(encoding="utf-8"))
    state["workspace"]["messages"][0]["colour"] = "blue"  # a field this version does not know
    saved.write_text(json.dumps(state), encoding="utf-8")
    lines = run_shell(monkeypatch, capsys, "now\n", "--resume", status=2)
    assert len(lines) == 1
    assert lines[0].startswith("opsbot: the saved workspace cannot be read (")
    assert lines[0].endswith("); start a new session")

    saved.write_text("{not json", encoding="utf-8")
    lines = run_shell(monkeypatch, capsys, "now\n", "--resume", status=2)
    assert len(lines) == 1
    assert lines[0].startswith(f"opsbot: {saved.name} cannot be read (")
