"""Alerts in, across process deaths and between processes: real `opsbot serve` and
`opsbot clock` processes (the stand-in as Slack), a notification answered 2xx is paged exactly
once whatever happens after the answer.

- kill -9 right after the 2xx, before the process acted on the notification: the restarted
  process's first tick (at once on start) acts on what the inbox still holds; one page.
- two processes on one PostgreSQL database acting on the same stored notifications at once:
  each group is paged once."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.alerts.inbox import store
from bot.alerts.models import AlertEpisode, AlertInbox
from bot.alerts.payloads import parse
from bot.config import example_config_path
from bot.db.engine import Database
from bot.escalation.models import Escalation
from bot.kit.slack_requests import SlackRequests
from bot.kit.standin import SlackStandIn
from bot.kit.standin.faults import Outcome
from bot.kit.standin.models import Message
from bot.schema.migrate import upgrade
from tests.alertmanager import wait_until
from tests.alerts_harness import ALERTS, am_alert, am_body, post
from tests.conftest import ALICE, GENERAL, SIGNING_SECRET, USERS, fresh_postgres, postgres_base_url
from tests.test_alerts_alertmanager import top_level
from tests.test_processes import environment, free_port, opsbot, stop, wait_healthy

pytestmark = pytest.mark.slow  # starts opsbot processes

WAIT = 60.0  # seconds for a process to start, tick and send (it takes a few)


def alerts_environment(tmp_path: Path, standin: SlackStandIn, database_url: str) -> dict[str, str]:
    """The processes' environment: the stand-in as Slack, `database_url`, and the example
    configuration with an Alertmanager source `prometheus` paging `platform` (info alerts
    only post)."""
    data = yaml.safe_load(example_config_path().read_text())
    data["alerts"] = {
        "channel": ALERTS,
        "sources": [
            {
                "id": "prometheus",
                "kind": "alertmanager",
                "roster": "platform",
                "routes": [{"match": {"severity": "info"}, "page": False}],
            }
        ],
    }
    config = tmp_path / "opsbot.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    env = environment(tmp_path, standin)
    env.update(DATABASE_URL=database_url, OPSBOT_CONFIG=str(config))
    return env


def source_url(env: dict[str, str], port: int) -> str:
    """`opsbot alerts url prometheus`, as an operator runs it (it migrates the database)."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "alerts", "url", "prometheus"],
        env={**env, "OPSBOT_PUBLIC_URL": f"http://127.0.0.1:{port}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def all_pages(standin: SlackStandIn) -> list[Message]:
    """Every page DM anyone got (the roster's standby in its windows, else its lead)."""
    return [
        message
        for user in USERS
        for message in standin.messages(user)
        if "You are paged" in message.visible_text
    ]


def count(database_url: str, what: Any, *where: Any) -> int:
    db = Database(database_url)
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)
    finally:
        db.dispose()


def wait_for_first_tick(url: str, process: subprocess.Popen[str]) -> None:
    """Until `opsbot serve`'s first tick (run at once on start) has completed."""
    wait_until(lambda: "last_tick" in wait_healthy(url, process), WAIT, "the first tick")


class HeldCalls:
    """Web API calls the stand-in holds without answering until `release()`; then it drops
    their connections unanswered (as if Slack never got them)."""

    def __init__(self, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch):
        self.answer = standin.handle_api
        self.rules: list[tuple[Callable[[str, dict[str, Any]], bool], threading.Event]] = []
        self.released = threading.Event()
        monkeypatch.setattr(standin, "handle_api", self.handle_api)

    def hold(self, matches: Callable[[str, dict[str, Any]], bool]) -> threading.Event:
        """Holds the calls that match; the event is set when one is being held."""
        held = threading.Event()
        self.rules.append((matches, held))
        return held

    def handle_api(
        self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> Outcome:
        for matches, held in self.rules:
            if matches(method, args):
                held.set()
                self.released.wait(WAIT)
                return Outcome("drop", status=0)
        return self.answer(method, args, token, headers)

    def release(self) -> None:
        self.released.set()


def test_a_notification_answered_2xx_then_kill_9_is_paged_once_by_the_restarted_process(
    tmp_path, standin, monkeypatch
):
    """Before the kill, the process is made unable to act (deterministically): a request it
    is answering (Slack's auth.test held) and a piece of after-ack work in progress (an
    info alert's message, held at chat.postMessage) make the work after an ack wait
    (bot.executor.GiveWay), so the paging notification is stored and acted on (the page it
    owes recorded in the ledger) and answered 2xx, and its page not sent, when kill -9
    lands."""
    standin.add_channel("alerts", ALERTS)
    database_url = f"sqlite:///{tmp_path / 'alerts.db'}"
    env = alerts_environment(tmp_path, standin, database_url)
    port = free_port()
    url = source_url(env, port)
    held = HeldCalls(standin, monkeypatch)
    info_post = held.hold(
        lambda method, args: method == "chat.postMessage" and "InfoOnly" in str(args.get("text"))
    )
    auth_test = held.hold(lambda method, _: method == "auth.test")

    first = opsbot(env, "serve", "--port", str(port), "--no-scheduler")  # no tick of its own
    try:
        wait_healthy(f"http://127.0.0.1:{port}", first)
        info = am_body("InfoOnly", [am_alert("InfoOnly", severity="info")], severity="info")
        assert post(url, info)[0] == 200
        assert info_post.wait(WAIT), "the info alert's message was not sent"
        slack = SlackRequests(
            f"http://127.0.0.1:{port}", SIGNING_SECRET, response_url=standin.new_response_url
        )

        def command() -> None:
            with contextlib.suppress(OSError):  # unanswered: the process is killed meanwhile
                slack.command("/incident", "help", user=ALICE, channel=GENERAL)

        threading.Thread(target=command, daemon=True).start()
        assert auth_test.wait(WAIT), "the command did not reach auth.test"

        assert post(url, am_body("DiskFull", [am_alert("DiskFull")])) == (200, {"ok": True})
        first.kill()  # kill -9, right after the 2xx
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        held.release()
    assert first.returncode == -9
    # the notification was kept, with the page it owes, before the 2xx; the process died
    # before sending the page
    assert count(database_url, AlertInbox) == 2
    assert count(database_url, Escalation) == 1
    assert all_pages(standin) == []

    port = free_port()
    second = opsbot(env, "serve", "--port", str(port))  # with its scheduler: ticks at once
    try:
        wait_for_first_tick(f"http://127.0.0.1:{port}", second)
        [page] = all_pages(standin)
        assert "DiskFull" in page.visible_text
    finally:
        code, log = stop(second)
    assert code == 0, log[-4000:]
    assert len(all_pages(standin)) == 1
    assert [m for m in top_level(standin) if "DiskFull" in m.visible_text] != []
    assert count(database_url, AlertInbox, AlertInbox.processed_at.is_(None)) == 0
    assert count(database_url, Escalation) == 1


@pytest.fixture
def postgres_url() -> str:
    base_url, why = postgres_base_url()
    if base_url is None:
        pytest.skip(why)
    url = fresh_postgres(base_url)
    upgrade(url)
    return url


GROUPS = 5  # a sixth new group in 10 minutes would make a storm (one page for all)
UPDATES = 8  # notifications per group, each with one alert more


def stored_notifications(database_url: str) -> None:
    """GROUPS times UPDATES notifications kept in the inbox and not acted on, as a process that
    answered 2xx and died leaves them: the groups' updates interleaved."""
    db = Database(database_url)
    try:
        for update in range(UPDATES):
            for group in range(GROUPS):
                name = f"Group{group}"
                alerts = [am_alert(name, instance=f"i{n}") for n in range(update + 1)]
                note = parse("alertmanager", json.dumps(am_body(name, alerts)).encode())
                store(db, "prometheus", note, dt.datetime.now(dt.UTC))
    finally:
        db.dispose()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_two_processes_acting_on_the_same_stored_notifications_page_each_group_once(
    tmp_path, standin, postgres_url, processes
):
    standin.add_channel("alerts", ALERTS)
    env = alerts_environment(tmp_path, standin, postgres_url)
    stored_notifications(postgres_url)
    port = free_port()
    # both tick at once on start: both act on what the inbox holds
    processes.append(opsbot(env, "serve", "--port", str(port)))
    processes.append(opsbot(env, "clock"))
    wait_until(
        lambda: (
            count(postgres_url, AlertInbox, AlertInbox.processed_at.is_(None)) == 0
            and len(all_pages(standin)) >= GROUPS
        ),
        WAIT,
        "every notification acted on and the groups paged",
    )
    wait_for_first_tick(f"http://127.0.0.1:{port}", processes[0])
    results = [stop(process) for process in processes]
    assert [code for code, _ in results] == [0, 0], [log[-3000:] for _, log in results]

    pages = all_pages(standin)
    paged_for = sorted(
        next(f"Group{n}" for n in range(GROUPS) if f"Group{n}" in page.visible_text)
        for page in pages
    )
    assert paged_for == [f"Group{n}" for n in range(GROUPS)]
    assert len(top_level(standin)) == GROUPS
    for message in top_level(standin):
        notes = [m.text for m in standin.messages(ALERTS) if m.thread_ts == message.ts]
        assert len(notes) == len(set(notes)), notes  # no change told twice
    assert count(postgres_url, Escalation) == GROUPS
    assert count(postgres_url, AlertEpisode) == GROUPS


def test_an_ha_pair_posting_to_two_processes_at_once_pages_each_group_once(
    tmp_path, standin, postgres_url, processes
):
    """The two Alertmanagers of an HA pair post each group's notification at the same moment,
    each to another `opsbot serve` of one deployment (PostgreSQL): one message and one page
    per group."""
    standin.add_channel("alerts", ALERTS)
    env = alerts_environment(tmp_path, standin, postgres_url)
    ports = [free_port(), free_port()]
    path = "/alerts/" + source_url(env, ports[0]).rsplit("/alerts/", 1)[1]
    for port in ports:
        processes.append(opsbot(env, "serve", "--port", str(port), "--no-scheduler"))
    for port, process in zip(ports, processes, strict=True):
        wait_healthy(f"http://127.0.0.1:{port}", process)

    answers: list[int] = []
    for group in range(GROUPS):
        body = am_body(f"Group{group}", [am_alert(f"Group{group}")])
        together = threading.Barrier(len(ports))

        def send(port: int, body: dict[str, Any] = body, together: Any = together) -> None:
            together.wait(10)
            answers.append(post(f"http://127.0.0.1:{port}{path}", body)[0])

        senders = [threading.Thread(target=send, args=(port,)) for port in ports]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(30)
    assert answers == [200] * (GROUPS * len(ports))
    wait_until(
        lambda: (
            count(postgres_url, AlertInbox, AlertInbox.processed_at.is_(None)) == 0
            and len(all_pages(standin)) >= GROUPS
        ),
        WAIT,
        "every notification acted on and the groups paged",
    )
    results = [stop(process) for process in processes]
    assert [code for code, _ in results] == [0, 0], [log[-3000:] for _, log in results]

    assert len(all_pages(standin)) == GROUPS
    assert len(top_level(standin)) == GROUPS
    assert [m for m in standin.messages(ALERTS) if m.thread_ts is not None] == []
    assert count(postgres_url, Escalation) == GROUPS
    assert count(postgres_url, AlertEpisode) == GROUPS
