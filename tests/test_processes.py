"""`opsbot serve` and `opsbot clock` as real processes: migrate at start, answer signed
requests, stop cleanly on SIGTERM; a stuck clock ends itself, and the web's /healthz reports
the clock's last tick."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from bot.config import example_config_path
from bot.kit.slack_requests import SlackRequests
from tests.conftest import ALICE, GENERAL, SIGNING_SECRET

pytestmark = pytest.mark.slow  # starts opsbot processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path: Path, standin) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSBOT_", "DATABASE_"))
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-process-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'proc.db'}",
        OPSBOT_CONFIG=str(example_config_path()),
        OPSBOT_LOG_FORMAT="json",
        PYTHONFAULTHANDLER="1",
    )
    return env


def opsbot(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`opsbot ARGS` in a process of its own, its log (stderr) read by the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args], env=env, stderr=subprocess.PIPE, text=True
    )


def wait_healthy(url: str, process: subprocess.Popen, attempts: int = 200) -> dict:
    for _ in range(attempts):
        if process.poll() is not None:
            raise AssertionError(f"opsbot exited early: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.05)  # waiting for a process to start, not controlling time
    raise AssertionError("opsbot serve did not become healthy")


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        process.wait(timeout=10)
        pytest.fail(f"did not stop within 30 s of SIGTERM:\n{process.stderr.read()[-6000:]}")
    return process.returncode, process.stderr.read()


def test_serve_migrates_answers_signed_requests_and_stops_on_sigterm(tmp_path, standin):
    port = free_port()
    process = opsbot(environment(tmp_path, standin), "serve", "--port", str(port), "--no-scheduler")
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(url, process) == {"ok": True, "database": "up"}
        slack = SlackRequests(url, SIGNING_SECRET, response_url=standin.new_response_url)
        reply = slack.command(
            "/incident", "declare sev2 From a real process", user=ALICE, channel=GENERAL
        )
        assert reply.status == 200  # the ack; its wording is test_incident_declare's business
        standin.wait_for_call("conversations.create")
        standin.wait_for(lambda: len(standin.messages("C0INCIDENT")) == 1)
    finally:
        code, log = stop(process)
    assert code == 0
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert any("serving on port" in m for m in messages) and "opsbot stopped" in messages
    assert "xoxb-process-test" not in log


def test_serve_with_its_scheduler_reports_the_tick_in_healthz(tmp_path, standin):
    """Without --no-scheduler, serve ticks (the first tick at once) and its /healthz says so."""
    port = free_port()
    process = opsbot(environment(tmp_path, standin), "serve", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        body = wait_healthy(url, process)
        for _ in range(200):
            if "last_tick" in body:
                break
            time.sleep(0.05)  # waiting for the first tick of a real process
            body = wait_healthy(url, process)
    finally:
        code, log = stop(process)
    assert code == 0, log
    assert (body["ok"], body["scheduler"]) == (True, "ticking")
    assert "last_tick" in body and "clock" not in body


def test_clock_runs_the_tick_and_stops_on_sigterm(tmp_path, standin):
    process = opsbot(environment(tmp_path, standin), "clock")
    for _ in range(200):
        if (tmp_path / "proc.db").exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    code, log = stop(process)
    assert code == 0, log
    assert "opsbot clock stopped" in log


def test_sigterm_lets_serve_answer_the_request_in_progress(tmp_path, standin, monkeypatch):
    """SIGTERM while a request is inside the app (Bolt's first auth.test, held by the
    stand-in): serve stops accepting, answers that request once its Slack call returns,
    then exits 0."""
    held, release = threading.Event(), threading.Event()
    answer = standin.handle_api

    def holding_auth_test(method, *args):
        if method == "auth.test" and not release.is_set():
            held.set()
            release.wait(10)
        return answer(method, *args)

    monkeypatch.setattr(standin, "handle_api", holding_auth_test)
    port = free_port()
    process = opsbot(environment(tmp_path, standin), "serve", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        wait_healthy(url, process)

        def read_log() -> None:
            for line in process.stderr:
                lines.append(line)

        reader = threading.Thread(target=read_log, daemon=True)
        reader.start()
        slack = SlackRequests(url, SIGNING_SECRET, response_url=standin.new_response_url)
        replies = []
        sending = threading.Thread(
            target=lambda: replies.append(
                slack.command("/incident", "help", user=ALICE, channel=GENERAL)
            )
        )
        sending.start()
        assert held.wait(10), "the command did not reach auth.test"
        process.send_signal(signal.SIGTERM)
        for _ in range(200):  # waiting for the process to close its socket
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
            except OSError:
                break  # refused: no longer accepting
            time.sleep(0.05)
        else:
            pytest.fail("still accepting connections after SIGTERM")
        process.send_signal(signal.SIGTERM)  # again (impatient platforms): the drain goes on
        for _ in range(200):  # waiting for the process to log it
            if any("already stopping" in line for line in lines):
                break
            time.sleep(0.05)
        assert process.poll() is None  # still answering the request in progress
        release.set()
        sending.join(10)
        assert [reply.status for reply in replies] == [200]
        assert process.wait(timeout=30) == 0
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    messages = [json.loads(line)["message"] for line in lines if line.startswith("{")]
    stopping = messages[messages.index("received SIGTERM; shutting down") :]
    assert "draining requests in progress" in stopping and stopping[-1] == "opsbot stopped"
    assert "received SIGTERM; already stopping" in stopping


def test_web_reports_the_clocks_last_tick(tmp_path, standin):
    """The Procfile's pair on one database: the web (no scheduler) shows in /healthz when
    the clock last completed a tick."""
    env = environment(tmp_path, standin)
    port = free_port()
    clock = opsbot(env, "clock")
    web = opsbot(env, "serve", "--port", str(port), "--no-scheduler")
    url = f"http://127.0.0.1:{port}"
    try:
        body = wait_healthy(url, web)
        for _ in range(600):  # the clock's first tick runs as soon as it has started (30 s)
            if "clock" in body or clock.poll() is not None:
                break
            time.sleep(0.05)  # waiting for a process to start, not controlling time
            body = wait_healthy(url, web)
        assert body["ok"] is True and body["database"] == "up"
        assert body["clock"]["state"] == "ticking" and 0 <= body["clock"]["age_seconds"] < 60
        assert "scheduler" not in body and "last_tick" not in body  # the web has none of its own
    finally:
        web_code, _ = stop(web)
        clock_code, clock_log = stop(clock)
    assert (web_code, clock_code) == (0, 0), clock_log


def enqueue_message_due_now(database_url: str) -> None:
    """A delivery the clock's first tick sends at once: a plain chat.postMessage."""
    import datetime as dt

    from bot.db.engine import Database
    from bot.ledger import Due, Ledger
    from bot.schema.migrate import upgrade

    upgrade(database_url)
    db = Database(database_url)
    due = Due(
        "test:stuck-clock",
        "test",
        "chat.postMessage",
        {"channel": GENERAL, "text": "Is anybody there?"},
        due_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
    )
    with db.session() as session:
        Ledger.enqueue(session, due, dt.datetime.now(dt.UTC))
    db.dispose()


def test_a_stuck_clock_exits_so_that_the_platform_restarts_it(tmp_path, standin):
    """A Web API that accepts connections but never answers: the first tick waits on its
    socket without moving, and the watchdog ends the clock with status 3 (a real clock gets
    --stale-after 120; this one 1 s, so that the test takes seconds)."""
    env = environment(tmp_path, standin)
    enqueue_message_due_now(env["DATABASE_URL"])
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts connections; nobody ever reads or answers
        env["SLACK_API_URL"] = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        started = time.monotonic()
        clock = opsbot(env, "clock", "--stale-after", "1")
        try:
            _, log = clock.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            code, log = stop(clock)
            pytest.fail(f"a stuck clock did not exit (SIGTERM: {code}):\n{log[-6000:]}")
    assert clock.returncode == 3, log
    assert time.monotonic() - started < 14  # before the Web API call's own 15 s timeout
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    [stuck] = [line for line in lines if line["level"] == "critical"]
    assert stuck["message"].startswith("opsbot clock is stuck (the tick has not moved for")
    assert "it waits in readinto (" in stuck["message"]  # reading the answer that never comes
    assert "opsbot clock stopped" not in log  # it ended at once, without waiting for the tick


def test_serve_in_socket_mode_names_the_setting_when_slack_refuses(tmp_path, standin):
    """The stand-in refuses an app-level token it did not issue (invalid_auth), as Slack does."""
    env = environment(tmp_path, standin)
    env["SLACK_APP_TOKEN"] = "xapp-1-not-a-real-token"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port()), "--no-scheduler"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("opsbot: SLACK_APP_TOKEN: Slack refused the Socket Mode connection (")
    assert "Traceback" not in done.stderr


def test_json_logs_name_the_request_even_after_the_ack_and_hide_tokens(slack, standin, capsys):
    """A declare whose announcement fails logs, after the ack, a line carrying the request's
    trigger_id; and a token in a message is redacted."""
    import logging

    from bot.logs import setup_logging

    setup_logging("json")
    try:
        standin.fail_next("chat.postMessage", status=503, times=20)
        slack.command("declare sev2 Logged", user=ALICE)
        logging.getLogger("test").warning("leaked xoxb-1234-secret-token?")
    finally:
        logging.getLogger().handlers.clear()
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    failures = [line for line in lines if "stays pending" in line["message"]]
    named = [line.get("request", "") for line in failures]
    assert failures and all(request.startswith("trigger.") for request in named), failures
    assert all("secret-token" not in line["message"] for line in lines)


# `opsbot ARGS` with SIGNAL arriving at a chosen moment, inside a finalizer: the step
# MODULE.NAME is wrapped so that, BEFORE or AFTER it runs, an object is dropped whose
# `__del__` raises SIGNAL in the process itself. The handler runs there, inside `__del__`,
# as when the signal lands while the garbage collector finalizes something; an exception
# raised from the handler would be printed as "Exception ignored in" and dropped.
SIGNAL_IN_A_FINALIZER = """
import importlib, signal, sys

signame, module_name, name, when, *argv = sys.argv[1:]
*owners, name = name.split(".")
owner = importlib.import_module(module_name)
for part in owners:
    owner = getattr(owner, part)
step = getattr(owner, name)


class Garbage:
    def __del__(self):
        signal.raise_signal(signal.Signals[signame])  # the handler runs here, in this finalizer


def step_with_signal(*args, **kwargs):
    if when == "before":
        Garbage()
    try:
        return step(*args, **kwargs)
    finally:
        if when == "after":
            Garbage()


setattr(owner, name, step_with_signal)
from bot.cli import main

sys.exit(main(argv))
"""

STARTING = [
    ("bot.schema.migrate", "upgrade", "before"),  # the migrations
    ("bot.schema.migrate", "upgrade", "after"),
    ("bot.app", "create_app", "after"),  # building the app
]


def _case_id(value: object) -> str:
    if isinstance(value, bool):
        return "running" if value else "starting"
    if isinstance(value, str):
        return value
    assert isinstance(value, tuple)
    return "-".join(value[1:]) if len(value) == 3 else " ".join(value)


@pytest.mark.parametrize(
    ("command", "moment", "started", "signame"),
    [
        *[(("clock",), moment, False, "SIGTERM") for moment in STARTING],
        (("clock",), ("schedules.watchdog", "start_watchdog", "after"), False, "SIGTERM"),
        (("clock",), ("bot.app", "OpsBot.tick", "before"), True, "SIGTERM"),  # the tick's thread
        (("clock",), ("bot.app", "create_app", "before"), False, "SIGINT"),
        *[(("serve",), moment, False, "SIGTERM") for moment in STARTING],
        (
            ("serve",),
            ("bot.http_server", "HttpServer", "after"),
            False,
            "SIGTERM",
        ),  # not serving yet
        (("serve",), ("schedules", "build_scheduler", "after"), False, "SIGTERM"),
        (("serve", "--no-scheduler"), ("bot.http_server", "HttpServer", "after"), False, "SIGTERM"),
        (
            ("serve", "--socket-mode"),
            ("bot.slack.socket_mode", "connect", "after"),
            False,
            "SIGTERM",
        ),
        (("serve",), ("bot.app", "create_app", "before"), False, "SIGINT"),
    ],
    ids=_case_id,
)
def test_sigterm_landing_in_a_finalizer_at_start_still_stops_the_process(
    tmp_path, standin, command, moment, started, signame
):
    """SIGTERM (or SIGINT) that arrives while the process starts (or runs), inside a
    `__del__`: the process stops all the same, at the first moment it can, with status 0
    and no traceback."""
    env = environment(tmp_path, standin)
    args = list(command)
    if "--socket-mode" in args:
        args.remove("--socket-mode")
        env["SLACK_APP_TOKEN"] = standin.app_token
    if args[0] == "serve":
        args += ["--port", str(free_port())]
    process = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_IN_A_FINALIZER, signame, *moment, *args],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        process.wait(timeout=10)
        pytest.fail(f"did not stop on {signame}:\n{process.stderr.read()[-6000:]}")
    log = process.stderr.read()
    assert process.returncode == 0, log
    assert "Exception ignored" not in log and "Traceback" not in log, log
    messages = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
    assert f"received {signame}; shutting down" in messages, log
    if args[0] == "clock":
        assert messages[-1] == "opsbot clock stopped", log
        assert ("opsbot clock started" in " ".join(messages)) == started, log
    else:
        assert messages[-1] == "opsbot stopped", log
        assert not any(m.startswith("opsbot serving on port") for m in messages), log
