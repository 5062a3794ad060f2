"""Starting opsbot's processes as a user does: a valid environment prints nothing but
opsbot's own lines (no library's warning at every start); a port that is not a number or
is taken, or a database driver that is not installed, stops the process with one line
naming the setting; settings in `.env` count as in the environment."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_processes import environment, free_port, opsbot, stop, wait_healthy

pytestmark = pytest.mark.slow  # starts opsbot processes

OWN_LOGGERS = ("opsbot", "bot.", "schedules.", "handlers.")


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def third_party_warnings(log: str) -> list[str]:
    """Every stderr line must be one of opsbot's JSON log lines; those of other loggers
    may inform (the migrations run) but not warn."""
    found = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            found.append(line)  # not opsbot's: printed around its logging
            continue
        own = entry["logger"].startswith(OWN_LOGGERS)
        if not own and entry["level"] not in ("debug", "info"):
            found.append(line)
    return found


def test_a_valid_start_prints_only_opsbots_own_lines(tmp_path, standin):
    """Each command as a fresh install runs it: compiled afresh (a library's SyntaxWarning
    shows only then), with a valid environment."""
    env = environment(tmp_path, standin)
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")

    check = run(env, "config", "check")
    assert (check.returncode, check.stderr) == (0, ""), check.stderr
    manifest = run(env, "manifest", "--url", "https://opsbot.example.com")
    assert (manifest.returncode, manifest.stderr) == (0, ""), manifest.stderr
    upgrade = run(env, "db", "upgrade")
    assert (upgrade.returncode, upgrade.stderr) == (0, ""), upgrade.stderr

    port = free_port()
    serve = opsbot(env, "serve", "--port", str(port))
    try:
        body = wait_healthy(f"http://127.0.0.1:{port}", serve)
        for _ in range(200):
            if "last_tick" in body:
                break
            time.sleep(0.05)  # waiting for the first tick of a real process
            body = wait_healthy(f"http://127.0.0.1:{port}", serve)
    finally:
        code, serve_log = stop(serve)
    assert code == 0 and "last_tick" in body, serve_log
    assert "opsbot serving on port" in serve_log
    assert third_party_warnings(serve_log) == []

    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'clock.db'}"  # a tick of its own to wait for
    clock = opsbot(env, "clock")
    for _ in range(600):
        if clock.poll() is not None or ticked(env["DATABASE_URL"]):
            break
        time.sleep(0.05)  # waiting for the clock's first tick
    code, clock_log = stop(clock)
    assert code == 0 and ticked(env["DATABASE_URL"]), clock_log
    assert "opsbot clock started" in clock_log
    assert third_party_warnings(clock_log) == []


def ticked(database_url: str) -> bool:
    """The clock records each tick it completes in the database."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.catch_up import last_tick
    from bot.db.engine import Database

    db = Database(database_url)
    try:
        return last_tick(db) is not None
    except SQLAlchemyError:  # not migrated yet
        return False
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("args", "setting", "line"),
    [
        (
            ("serve", "--no-scheduler"),
            {"PORT": "abc"},
            "opsbot: PORT is invalid: 'abc' is not a port number (1 to 65535)",
        ),
        (
            ("clock",),
            {"DATABASE_URL": "mysql://opsbot:hunter2@db/opsbot"},
            "opsbot: DATABASE_URL is invalid: mysql:// needs the driver module MySQLdb, which is "
            "not installed",
        ),
    ],
)
def test_a_bad_setting_stops_the_process_with_one_line(tmp_path, standin, args, setting, line):
    env = {**environment(tmp_path, standin), **setting}
    done = run(env, *args)
    assert done.returncode == 2
    assert done.stderr == line + "\n"


@pytest.mark.parametrize("given", ["--port", "PORT"])
def test_a_port_already_taken_is_one_line_naming_it(tmp_path, standin, given):
    env = environment(tmp_path, standin)
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["serve", "--no-scheduler"]
        if given == "--port":
            args += ["--port", str(port)]
        else:
            env["PORT"] = str(port)
        done = run(env, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"opsbot: {given}: cannot listen on port {port}: Address already in use"


def test_serve_reads_the_app_token_from_dotenv_and_needs_no_signing_secret(tmp_path, standin):
    """SLACK_APP_TOKEN in `.env` means Socket Mode, as in the environment: no signing secret
    is asked for."""
    env = environment(tmp_path, standin)
    del env["SLACK_SIGNING_SECRET"]
    (tmp_path / ".env").write_text(f"SLACK_APP_TOKEN={standin.app_token}\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        code, log = stop(process)
    assert code == 0, log
    messages = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
    assert "connected to Slack over Socket Mode (2 connections)" in messages
