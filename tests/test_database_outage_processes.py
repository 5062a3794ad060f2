"""`opsbot serve` and `opsbot clock` as real processes through a PostgreSQL outage: their
connections go through a TCP proxy that black-holes them (connects hang until they time
out) and is then restored. Both keep running (the clock's watchdog, given 5 s here, does
not end it: each failing tick ends within the 2 s connect timeout), /healthz says 503
during and 200 after, the outage is logged once a process, and a message that came due
meanwhile is posted once, after it. PostgreSQL only (skipped, saying why, without it)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import threading
import time
import urllib.request

import pytest
from sqlalchemy.engine import make_url

from bot.db.engine import Database
from bot.ledger import Due, Ledger
from tests.conftest import GENERAL
from tests.tcp_proxy import TcpProxy
from tests.test_database_outage import postgres_url, through  # noqa: F401 - a fixture
from tests.test_processes import environment, free_port, opsbot, wait_healthy

pytestmark = pytest.mark.slow  # opsbot processes through a database outage

OUTAGE_STARTS = "scheduler tick: cannot reach the database"
OUTAGE_ENDS = "scheduler tick: the database is back after"


class Log:
    """A process's log (stderr), read as it is written."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stderr:  # type: ignore[union-attr]
            self.lines.append(line)

    def messages(self) -> list[str]:
        return [json.loads(line)["message"] for line in self.lines if line.startswith("{")]

    def count(self, text: str) -> int:
        return sum(text in message for message in self.messages())

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(text):
                return True
            time.sleep(0.1)  # waiting for a real process's next tick, not controlling time
        return False

    def close(self) -> str:
        self._reader.join(10)
        return "".join(self.lines)


def health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def health_becomes(url: str, status: int, timeout: float = 10) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    while True:
        answer = health(url)
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)  # waiting for a real process to notice, not controlling time


def terminate(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("did not stop within 30 s of SIGTERM")


def test_serve_and_clock_keep_running_through_an_outage_and_send_what_came_due_once(
    tmp_path,
    standin,
    postgres_url,  # noqa: F811 - the fixture
):
    where = make_url(postgres_url)
    with TcpProxy(where.host or "127.0.0.1", where.port or 5432) as proxy:
        env = environment(tmp_path, standin)
        env["DATABASE_URL"] = through(postgres_url, proxy)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        clock = opsbot(env, "clock", "--stale-after", "5")
        clock_log = Log(clock)
        serve = opsbot(env, "serve", "--port", str(port))  # with its own scheduler too
        serve_log = Log(serve)
        try:
            wait_healthy(url, serve)
            assert clock_log.wait_for("opsbot clock started", 30), clock_log.close()

            proxy.black_hole()
            status, body = health_becomes(url, 503)
            assert (status, body) == (503, {"ok": False, "database": "down"})
            enqueue_message_due_now(postgres_url)  # straight to PostgreSQL, not the proxy
            assert clock_log.wait_for(OUTAGE_STARTS, 20), clock_log.close()
            assert serve_log.wait_for(OUTAGE_STARTS, 20), serve_log.close()
            assert standin.messages(GENERAL) == []

            proxy.restore()
            status, body = health_becomes(url, 200)
            assert (status, body["ok"], body["database"]) == (200, True, "up")
            assert clock_log.wait_for(OUTAGE_ENDS, 20), clock_log.close()
            assert serve_log.wait_for(OUTAGE_ENDS, 20), serve_log.close()
            assert (clock.poll(), serve.poll()) == (None, None)  # both still running
            assert health(url)[1]["scheduler"] == "ticking"
        finally:
            codes = (terminate(clock), terminate(serve))
            clock_text, serve_text = clock_log.close(), serve_log.close()

    assert codes == (0, 0), clock_text + serve_text
    assert [m.text for m in standin.messages(GENERAL)] == ["Is anybody there?"]
    for log in (clock_log, serve_log):
        assert (log.count(OUTAGE_STARTS), log.count(OUTAGE_ENDS)) == (1, 1)
    assert [line for line in clock_log.lines + serve_log.lines if "Traceback" in line] == []
    assert "opsbot clock is stuck" not in clock_text


def enqueue_message_due_now(database_url: str) -> None:
    db = Database(database_url)
    due = Due(
        "test:during-the-outage",
        "test",
        "chat.postMessage",
        {"channel": GENERAL, "text": "Is anybody there?"},
        due_at=dt.datetime.now(dt.UTC),
    )
    with db.session() as session:
        Ledger.enqueue(session, due, dt.datetime.now(dt.UTC))
    db.dispose()
