"""Ctrl-C in `opsbot shell` stops the command (a long `wait`) where the clock has got to,
says so, and leaves a session `--resume` goes on with at that moment. A real SIGINT to a
real `opsbot shell` process reading a script."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.shell_runs import run_shell, section

pytestmark = pytest.mark.slow  # an opsbot shell process

ROOT = Path(__file__).resolve().parents[1]


def test_ctrl_c_stops_a_long_wait_and_resume_goes_on_from_there(monkeypatch, capsys, tmp_path):
    db = tmp_path / "shell.db"
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "bot.cli",
            "shell",
            "--db",
            str(db),
            "--start",
            "2026-11-23 07:00",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin and process.stdout
    process.stdin.write("wait 60d\nnow\n")
    process.stdin.close()
    printed = []
    while (line := process.stdout.readline()) and line != "admin> wait 60d\n":
        printed.append(line)
    assert line == "admin> wait 60d\n", "".join(printed)
    time.sleep(2)  # real time for the bot to tick through some of the 60 days
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert process.stderr
    out, err = process.stdout.read(), process.stderr.read()
    lines = out.splitlines()
    stopped = [line for line in lines if line.startswith("(interrupted; it is ")]
    assert len(stopped) == 1, out
    assert "admin> now" not in lines  # the script stops there
    assert "Traceback" not in out + err
    moment = re.fullmatch(r"\(interrupted; it is (.*)\)", stopped[0]).group(1)  # type: ignore[union-attr]
    assert not moment.startswith("Mon 23 Nov 2026 07:00")  # the clock had moved

    resumed = run_shell(monkeypatch, capsys, "now\n", "--db", str(db), "--resume")
    assert section(resumed, "now") == [moment]
