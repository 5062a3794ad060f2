"""`opsbot serve` and `opsbot clock` as real processes: migrate at start, answer signed
requests, stop cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.config import example_config_path
from bot.slack_requests import SlackRequests
from tests.conftest import ALICE, GENERAL, SIGNING_SECRET


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
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-scheduler"],
        env=environment(tmp_path, standin),
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(url, process) == {"ok": True, "database": "up"}
        slack = SlackRequests(url, SIGNING_SECRET, response_url=standin.new_response_url)
        reply = slack.command(
            "/incident", "declare sev2 From a real process", user=ALICE, channel=GENERAL
        )
        assert reply.status == 200 and "Declared INC-1" in reply.text
        standin.wait_for_call("conversations.create")
        standin.wait_for(lambda: len(standin.messages("C0INCIDENT")) == 1)
    finally:
        code, log = stop(process)
    assert code == 0
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert any("serving on port" in m for m in messages) and "opsbot stopped" in messages
    assert "xoxb-process-test" not in log


def test_clock_runs_the_tick_and_stops_on_sigterm(tmp_path, standin):
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "clock"],
        env=environment(tmp_path, standin),
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(200):
        if (tmp_path / "proc.db").exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    code, log = stop(process)
    assert code == 0, log
    assert "opsbot clock stopped" in log


def test_serve_in_socket_mode_names_the_setting_when_slack_refuses(tmp_path, standin):
    """The stand-in does not offer apps.connections.open, as Slack refuses a bad app token."""
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
